/**
 * A budget's output cap and its refusal hints across instances: two in-process gateways (A, B) and
 * one gateway process (C, so it can be killed outright) on one fresh PostgreSQL database and one
 * Redis prefix, as an organisation runs them. A key's requests that name no max_tokens, spread over
 * the three, share what its budget has left (never overspent together; a capped one takes half the
 * room); a refusal says "held" when the holder is on another instance and "spent" once the spend
 * itself leaves no room; an instance
 * killed while it holds a capped reservation does not block the key for ever; a capped request's
 * TPM entry is its cap as every instance reads it; a client that leaves after the upstream got its
 * request is billed on every instance alike.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { api, apiLogRow, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { RedisClient } from 'bun';
import { eventually, redisEnv, REDIS_URL } from '../helpers/redis-env';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { capOf, writesAllItMay } from '../limits/budget-output-cap';
import { startCluster, type Cluster } from '../redis/cluster';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: a token costs $0.001 each way
const hello = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let c: Cluster;
let C: GatewayProcess;
let dir: string;
let admin: Session;
/** Requests the fake holds until the test lets them go (by the order they came). */
let gates: (() => void)[] = [];
/** The requests held, by the order they came: their signal says when the gateway gave up on one. */
let held: Request[] = [];
let hold = false;

const A = () => c.nodes[0]!;
const B = () => c.nodes[1]!;
type Node = TestGateway | GatewayProcess;
const urlOf = (n: Node) => n.url;

const startC = () =>
  startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: ADMIN_PASSWORD,
    env: {
      ...redisEnv(c.prefix), ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__ENCRYPTION_KEY: '0f'.repeat(32), LLM_PROXY__INSTANCE_ID: 'gw-c',
    },
  });

beforeAll(async () => {
  fake = startFakeUpstream(async (req, rec, f) => {
    // A stream that sends its first chunks, then waits for the client (who leaves).
    if (rec.body?.stream) return sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 3 });
    if (hold) {
      held.push(req);
      await new Promise<void>((r) => gates.push(r));
    } else await Bun.sleep(20);
    return writesAllItMay(req, rec, f);
  });
  dir = mkdtempSync(join(tmpdir(), 'gg-cluster-cap-'));
  db = await createTestDatabase('gg_cluster_cap');
  c = await startCluster(2, { env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url }, each: () => ({ storeLogs: true }) });
  C = await startC();
  admin = await login(A(), 'admin', ADMIN_PASSWORD);
  const priced = await api(A(), 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } });
  expect(priced.status).toBe(200);
  for (const gw of c.nodes) expect(await eventually(() => gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
});

afterAll(async () => {
  for (const g of gates) g();
  C?.proc.kill('SIGKILL');
  await C?.proc.exited;
  await c?.close();
  await db?.drop();
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = (n: Node, key: string) => new OpenAI({ apiKey: key, baseURL: `${urlOf(n)}/v1`, maxRetries: 0, timeout: 20_000 });

/** A key made through A, known (with its limits) on A, B and C before the test sends anything. */
async function makeKey(name: string, limits: Record<string, unknown>): Promise<{ id: number; key: string }> {
  const r = await api(A(), 'POST', '/api/clients', { as: admin, body: { name, ...limits } });
  expect(r.status).toBe(201);
  const k = (await json(r)) as { id: number; key: string };
  const known = (n: Node) => fetch(`${urlOf(n)}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } }).then((x) => x.status === 200);
  for (const n of [A(), B(), C]) expect(await eventually(() => known(n), 10_000)).toBe(true);
  return k;
}

/** The key's spend as GET /api/clients/{id} tells it on one instance. */
const spendOn = async (n: Node, id: number): Promise<number> =>
  (await json(await fetch(`${urlOf(n)}/api/clients/${id}`, { headers: { authorization: `Bearer ${admin.token}` } }))).spend_usd;

/** The cost of the key's rows (every instance's, from PostgreSQL through A's /api/logs). */
async function rowsCost(id: number): Promise<{ n: number; cost: number }> {
  const rows = (await json(await api(A(), 'GET', `/api/logs?client_id=${id}&limit=500`, { as: admin }))).data as any[];
  return { n: rows.length, cost: rows.reduce((s, r) => s + r.cost_usd, 0) };
}

/**
 * Redis forgets the key's spend (as a Redis restarted empty does): every instance then reads it
 * from PostgreSQL's daily rollups, which must hold what the rows cost, 499 rows included.
 */
async function sameFromTheLogs(id: number, cost: number): Promise<void> {
  const r = new RedisClient(REDIS_URL);
  await r.connect();
  await r.send('DEL', [`${c.prefix}lim:c:${id}:st`]);
  r.close();
  for (const n of [A(), B(), C]) expect(await spendOn(n, id)).toBeCloseTo(cost, 6);
}

type Outcome = { ok: true; id: string } | { ok: false; status: number; code: string | null | undefined; headers: Headers };
const send = (n: Node, key: string, signal?: AbortSignal, extra: { max_tokens?: number } = {}): Promise<Outcome> =>
  client(n, key).chat.completions.create({ ...hello, ...extra }, { signal }).withResponse().then(
    (r) => ({ ok: true as const, id: r.response.headers.get('x-request-id')! }),
    (e: InstanceType<typeof OpenAI.APIError>) => ({ ok: false as const, status: e.status!, code: e.code, headers: e.headers as Headers }),
  );

/**
 * A capped request holds half the room its budget has left (a $1 budget: $0.5, a cap of ~225
 * tokens). A request asking 450 tokens (~$0.88 at its worst: its prompt's ceiling, and output at the
 * priority tier's 1.7x) fits the budget but not that half: refused as held while the capped one
 * runs (one naming no max_tokens would be admitted with half the rest); once the capped one wrote
 * its ~225 tokens (~$0.24), what is left cannot hold it: spent.
 */
const BIG = { max_tokens: 450 };

async function waitForHeld(n: number): Promise<void> {
  expect(await eventually(() => gates.length >= n, 10_000, 5)).toBe(true);
}

function expectHeld(o: Outcome): void {
  expect(o.ok).toBe(false);
  if (o.ok) return;
  expect([o.status, o.code]).toEqual([429, 'budget_exceeded']);
  expect(o.headers.get('x-should-retry')).toBe('true');
  expect(o.headers.get('retry-after')).toBe('1');
  expect(o.headers.get('retry-after-ms')).toBe('1000');
}

describe('budget output cap across A, B and C', () => {
  test('24 requests of one key naming no max_tokens, spread over three instances: never overspent together; spend on every instance = its rows', async () => {
    // A 'Hello' request's prompt ceiling is ~60 tokens and its minimum output 16: $0.3 affords a few.
    const budget = 0.3;
    const k = await makeKey('cap-spread', { budget_usd: budget, budget_period: 'total' });
    const nodes = [A(), B(), C];
    const out = await Promise.all(Array.from({ length: 24 }, (_, i) => send(nodes[i % 3]!, k.key)));
    const served = out.filter((o) => o.ok);
    expect(served.length).toBeGreaterThan(0);
    for (const o of out) if (!o.ok) expect([o.status, o.code]).toEqual([429, 'budget_exceeded']);
    let spent = 0;
    for (const o of served) spent += (await apiLogRow(A(), admin, (o as { id: string }).id)).cost_usd;
    expect(spent).toBeLessThanOrEqual(budget + 1e-9);
    // Every request left one row (refusals too), each read from PostgreSQL.
    expect(await eventually(async () => (await rowsCost(k.id)).n === 24, 10_000, 50)).toBe(true);
    const rows = await rowsCost(k.id);
    expect(rows.cost).toBeCloseTo(spent, 6);
    for (const n of nodes) expect(await eventually(async () => Math.abs((await spendOn(n, k.id)) - spent) < 1e-6, 5_000, 50)).toBe(true);
  });

  test("held by a capped request on A: B and C say 'held' (retry in 1 s); once A's row settles, 'spent' on B and C", async () => {
    const budget = 1;
    const k = await makeKey('cap-hints', { budget_usd: budget, budget_period: 'total' });
    hold = true;
    const first = send(A(), k.key);
    await waitForHeld(1);
    hold = false;
    expect(capOf(fake.last().body)).toBeGreaterThan(100);
    expectHeld(await send(B(), k.key, undefined, BIG));
    expectHeld(await send(C, k.key, undefined, BIG));
    gates.shift()!();
    const a = await first;
    expect(a.ok).toBe(true);
    // The fake wrote every token it was allowed: what is left cannot hold the 450 tokens.
    const spent = async (n: Node) => {
      const o = await send(n, k.key, undefined, BIG);
      return !o.ok && o.headers.get('x-should-retry') === 'false' && o.headers.get('retry-after') === null;
    };
    expect(await eventually(() => spent(B()), 5_000, 50)).toBe(true);
    expect(await spent(C)).toBe(true);
    expect(await spent(A())).toBe(true);
  });

  test("a team's day budget held by one key's capped request on A: another key of the team is told 'held' on B, then 'spent' with the time to the day's end on C", async () => {
    const team = await json(await api(A(), 'POST', '/api/teams', { as: admin, body: { name: 'cap-team', budget_usd: 1, budget_period: 'day' } }));
    const k1 = await makeKey('cap-team-1', { team_id: team.id });
    const k2 = await makeKey('cap-team-2', { team_id: team.id });
    hold = true;
    const first = send(A(), k1.key);
    await waitForHeld(1);
    hold = false;
    expect(capOf(fake.last().body)).toBeGreaterThan(100);
    expectHeld(await send(B(), k2.key, undefined, BIG));
    gates.shift()!();
    expect((await first).ok).toBe(true);
    const toMidnight = (Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) - Date.now()) / 1000;
    const spent = async (n: Node) => {
      const o = await send(n, k2.key, undefined, BIG);
      if (o.ok || o.headers.get('x-should-retry') !== 'false') return false;
      const after = Number(o.headers.get('retry-after'));
      return Math.abs(after - toMidnight) < 120;
    };
    // Not within a minute of the day's end (then the SDKs would be told to wait for it).
    if (toMidnight > 120) {
      expect(await eventually(() => spent(C), 5_000, 50)).toBe(true);
      expect(await spent(B())).toBe(true);
    }
  });

  test('a capped request holds its cap in the TPM window as B and C read it, not the default allowance', async () => {
    const k = await makeKey('cap-tpm', { budget_usd: 1, budget_period: 'total', tpm: 20_000 });
    hold = true;
    const first = send(A(), k.key);
    await waitForHeld(1);
    hold = false;
    const cap = capOf(fake.last().body)!;
    expect(cap).toBeGreaterThan(100);
    expect(cap).toBeLessThan(400);
    for (const n of [B(), C]) {
      const r = await fetch(`${urlOf(n)}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } });
      const remaining = Number(r.headers.get('x-ratelimit-remaining-tokens'));
      expect(remaining).toBeLessThan(20_000 - cap);
      expect(remaining).toBeGreaterThan(20_000 - cap - 100);
    }
    gates.shift()!();
    expect((await first).ok).toBe(true);
  });

  test('a client that leaves once its request went upstream: 499 rows bill the prompt; spend on every instance = the rows', async () => {
    const team = await json(await api(A(), 'POST', '/api/teams', { as: admin, body: { name: 'abort-team', budget_usd: 5, budget_period: 'month' } }));
    const k = await makeKey('abort-bill', { budget_usd: 5, budget_period: 'total', team_id: team.id });
    hold = true;
    const nodes = [A(), B(), C];
    const aborted: Promise<Outcome>[] = [];
    for (const [i, n] of nodes.entries()) {
      const ac = new AbortController();
      // Its own max_tokens: what it reserves is its own, not half of what the budget has left.
      aborted.push(send(n, k.key, ac.signal, { max_tokens: 50 }));
      await waitForHeld(i + 1);
      ac.abort();
    }
    await Promise.all(aborted);
    // Each instance has seen its client leave (it cancelled its upstream call) before the upstream
    // answers: else a loaded instance could finish the answer first and log a 200.
    const leaving = held.slice(-3);
    expect(await eventually(() => leaving.every((r) => r.signal.aborted), 10_000, 20)).toBe(true);
    hold = false;
    for (const g of gates.splice(0)) g();
    expect((await send(B(), k.key)).ok).toBe(true);
    expect(await eventually(async () => (await rowsCost(k.id)).n === 4, 10_000, 50)).toBe(true);
    const rows = (await json(await api(A(), 'GET', `/api/logs?client_id=${k.id}&limit=10`, { as: admin }))).data as any[];
    expect(rows.filter((r) => r.status === 499).length).toBe(3);
    for (const r of rows.filter((r) => r.status === 499)) expect(r.cost_usd).toBeGreaterThan(0);
    const cost = rows.reduce((s, r) => s + r.cost_usd, 0);
    for (const n of nodes) expect(await eventually(async () => Math.abs((await spendOn(n, k.id)) - cost) < 1e-6, 5_000, 50)).toBe(true);
    await sameFromTheLogs(k.id, cost);
    // The team's spend likewise, live and read again from the team rollups.
    const teamSpend = async (n: Node) => (await json(await fetch(`${urlOf(n)}/api/teams/${team.id}`, { headers: { authorization: `Bearer ${admin.token}` } }))).spend_usd as number;
    for (const n of nodes) expect(await teamSpend(n)).toBeCloseTo(cost, 6);
    const r = new RedisClient(REDIS_URL);
    await r.connect();
    await r.send('DEL', [`${c.prefix}lim:t:${team.id}:st`]);
    r.close();
    for (const n of nodes) expect(await teamSpend(n)).toBeCloseTo(cost, 6);
  });

  test('streams left after their first chunks, on A, B and C: 499 rows bill prompt and delivered; spend on every instance = the rows', async () => {
    const k = await makeKey('abort-stream', { budget_usd: 5, budget_period: 'total' });
    const nodes = [A(), B(), C];
    const ids: string[] = [];
    for (const n of nodes) {
      const ac = new AbortController();
      const { data, response } = await client(n, k.key).chat.completions.create({ ...hello, max_tokens: 50, stream: true }, { signal: ac.signal }).withResponse();
      ids.push(response.headers.get('x-request-id')!);
      for await (const _ of data) break; // the first chunk, then the client leaves
      ac.abort();
    }
    const rows = await Promise.all(ids.map((id) => apiLogRow(A(), admin, id)));
    for (const r of rows) {
      expect(r.status).toBe(499);
      expect(r.cost_usd).toBeGreaterThan(0);
    }
    const cost = rows.reduce((s, r) => s + r.cost_usd, 0);
    expect((await rowsCost(k.id)).cost).toBeCloseTo(cost, 9);
    for (const n of nodes) expect(await eventually(async () => Math.abs((await spendOn(n, k.id)) - cost) < 1e-6, 5_000, 50)).toBe(true);
    await sameFromTheLogs(k.id, cost);
  });

  test('a capped request on C whose client leaves: its 499 row settles the hold, and B then serves the key', async () => {
    const k = await makeKey('cap-abort', { budget_usd: 1, budget_period: 'total' });
    hold = true;
    const ac = new AbortController();
    const left = send(C, k.key, ac.signal);
    await waitForHeld(1);
    hold = false;
    expect(capOf(fake.last().body)).toBeGreaterThan(100);
    expectHeld(await send(B(), k.key, undefined, BIG));
    ac.abort();
    await left;
    for (const g of gates.splice(0)) g();
    expect(await eventually(async () => (await send(B(), k.key, undefined, BIG)).ok, 5_000, 100)).toBe(true);
    const rows499 = async () => (await json(await api(A(), 'GET', `/api/logs?client_id=${k.id}&status=499`, { as: admin }))).data as any[];
    expect(await eventually(async () => (await rows499()).length > 0, 10_000, 50)).toBe(true);
    const rows = await rows499();
    expect(rows.length).toBe(1);
    expect(rows[0].instance).toBe('gw-c');
  });

  test('C killed (SIGKILL) while it holds a capped reservation: B says held, then serves the key once C is taken for dead', async () => {
    const k = await makeKey('cap-killed', { budget_usd: 1, budget_period: 'total', tpm: 20_000 });
    hold = true;
    void send(C, k.key);
    await waitForHeld(1);
    hold = false;
    const cap = capOf(fake.last().body)!;
    expect(cap).toBeGreaterThan(100);
    expectHeld(await send(B(), k.key, undefined, BIG));
    C.proc.kill('SIGKILL');
    await C.proc.exited;
    for (const g of gates.splice(0)) g();
    // README: an instance silent for 10 s has its reservations freed by the others (beats every 2 s).
    expect(await eventually(async () => (await send(B(), k.key, undefined, BIG)).ok, 20_000, 500)).toBe(true);
    // Its TPM entry (its prompt and cap) went with it: the window holds B's answered request only (~its prompt and 450).
    const r = await fetch(`${B().url}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } });
    expect(Number(r.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThan(20_000 - BIG.max_tokens - 100);
  });
});
