/**
 * Streaming traffic of the official openai client spread over three in-process gateways on one
 * PostgreSQL (real log writers) and one Redis prefix: a team's budget and its keys' budgets never
 * overspent by parallel streams, RPM refusals in OpenAI's shape with the rate headers counted
 * across the instances, and a limit changed through A's admin API in force on B and C.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { startCluster, type Cluster } from '../redis/cluster';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const body = { model: 'gpt-4o-mini', max_tokens: 10, stream: true as const, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let pg: SQL;
let c: Cluster;
let admin: Session;

beforeAll(async () => {
  // A few ms between chunks: the streams of one burst overlap.
  fake = startFakeUpstream(() => sseResponse(readChunks('openai', 'text.chunks.txt'), { delayMs: 3 }));
  db = await createTestDatabase('gg_cluster_streams');
  pg = new SQL({ url: db.url, max: 2 });
  c = await startCluster(3, { env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url }, each: () => ({ storeLogs: true }) });
  admin = await login(c.nodes[0]!, 'admin', ADMIN_PASSWORD);
  const priced = await api(c.nodes[0]!, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } });
  expect(priced.status).toBe(200);
  for (const gw of c.nodes) expect(await eventually(() => gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
});

afterAll(async () => {
  await c?.close();
  await pg?.close();
  await db?.drop();
  fake?.close();
});

const A = () => c.nodes[0]!;

async function post(path: string, payload: Record<string, unknown>, status = 201): Promise<any> {
  const r = await api(A(), 'POST', path, { as: admin, body: payload });
  expect(r.status).toBe(status);
  return json(r);
}

/** Until every instance's snapshot says `ready`. */
async function everywhere(ready: (gw: TestGateway) => boolean): Promise<void> {
  for (const gw of c.nodes) expect(await eventually(() => ready(gw), 10_000)).toBe(true);
}

type Outcome = { ok: true; id: string; headers: Headers } | { ok: false; err: InstanceType<typeof OpenAI.APIError> };

/** One stream read to its end. */
async function stream(gw: TestGateway, key: string): Promise<Outcome> {
  try {
    const { data, response } = await gw.openai(key).chat.completions.create(body).withResponse();
    for await (const _ of data);
    return { ok: true, id: response.headers.get('x-request-id')!, headers: response.headers };
  } catch (e) {
    if (e instanceof OpenAI.APIError) return { ok: false, err: e };
    throw e;
  }
}

/** `n` streams at once, spread over the instances, key after key. */
const burst = (keys: string[], n: number) => Promise.all(Array.from({ length: n }, (_, i) => stream(c.nodes[i % 3]!, keys[i % keys.length]!)));

/** Rows and summed cost in PostgreSQL of these clients (or of a team), once `n` rows are there. */
async function logged(where: { clients?: number[]; team?: number }, n: number): Promise<{ rows: number; cost: number }> {
  const read = async () => {
    const [r] = where.team !== undefined
      ? await pg`SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE team_id = ${where.team}`
      : await pg`SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id IN ${pg(where.clients!)}`;
    return { rows: r.n as number, cost: Number(r.s) };
  };
  await eventually(async () => (await read()).rows >= n, 15_000, 100);
  return read();
}

describe('streams over three instances', () => {
  test("a team's budget holds under parallel streams of its keys on every instance; so does a key's own", async () => {
    // A stream's worst case is ~$0.18 (its ~100-byte body a token a byte and max_tokens, at the
    // priority premium): the team's budget fits five at once, the key's own one.
    const team = await post('/api/teams', { name: 'stream-team', budget_usd: 1, budget_period: 'month' });
    const keys = [
      await post('/api/clients', { name: 'team-k1', team_id: team.id }),
      await post('/api/clients', { name: 'team-k2', team_id: team.id, budget_usd: 0.25, budget_period: 'month' }),
      await post('/api/clients', { name: 'team-k3', team_id: team.id }),
    ];
    await everywhere((gw) => keys.every((k) => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes.length === 2));
    const results = await burst(keys.map((k) => k.key), 45);
    const ok = results.filter((r) => r.ok).length;
    expect(ok).toBeGreaterThanOrEqual(5);
    // Refused while the others' reservations held the room (retryable once they settle), or spent.
    for (const r of results) if (!r.ok) expect([r.err.status, r.err.code, r.err.headers?.get('x-should-retry')]).toEqual([429, 'budget_exceeded', r.err.message.includes('for now') ? 'true' : 'false']);
    const all = await logged({ clients: keys.map((k) => k.id) }, 45);
    expect(all.rows).toBe(45);
    const teamSpend = await logged({ team: team.id }, 45);
    expect(teamSpend.cost).toBeCloseTo(all.cost, 9);
    expect(teamSpend.cost).toBeLessThanOrEqual(1);
    expect((await logged({ clients: [keys[1]!.id] }, 1)).cost).toBeLessThanOrEqual(0.25);
    // Nothing left reserved once the streams ended.
    const scope = A().ctx.state.getSnapshot().clientsById!.get(keys[0]!.id)!.limits!.scopes[0]!;
    expect(await eventually(async () => (await c.nodes[2]!.ctx.limits.counters.outstanding(scope)).inFlight === 0, 10_000)).toBe(true);
    expect(await c.nodes[1]!.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  });

  test('RPM across instances: exactly the limit admitted, each answer counting the others in x-ratelimit-remaining-requests, refusals in OpenAI shape', async () => {
    const k = await post('/api/clients', { name: 'stream-rpm', rpm: 6 });
    await everywhere((gw) => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.rpm === 6);
    const results = await burst([k.key], 18);
    const ok = results.filter((r): r is Extract<Outcome, { ok: true }> => r.ok);
    expect(ok.length).toBe(6);
    // Remaining counts this request: the six admitted, on whichever instance, saw 5..0 between them.
    expect(ok.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests'))).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of ok) expect(r.headers.get('x-ratelimit-limit-requests')).toBe('6');
    for (const r of results) {
      if (r.ok) continue;
      expect([r.err.status, r.err.code, r.err.type]).toEqual([429, 'rate_limit_exceeded', 'requests']);
      const h = r.err.headers!;
      expect(Number(h.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(h.get('retry-after-ms'))).toBeGreaterThan(0);
      expect(h.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(h.get('x-ratelimit-limit-requests')).toBe('6');
      expect(h.get('x-request-id')).toBeTruthy();
    }
    expect((await logged({ clients: [k.id] }, 18)).rows).toBe(18);
  });

  test("a key's limit lowered on A is in force on B and C; revoked on A, refused on B and C", async () => {
    const k = await post('/api/clients', { name: 'changed-on-a', rpm: 100 });
    await everywhere((gw) => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.rpm === 100);
    for (const gw of c.nodes) expect((await stream(gw, k.key)).ok).toBe(true);
    const patched = await api(A(), 'PATCH', `/api/clients/${k.id}`, { as: admin, body: { rpm: 3 } });
    expect(patched.status).toBe(200);
    await everywhere((gw) => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.rpm === 3);
    // Three already in this minute: B and C refuse at once.
    for (const gw of c.nodes.slice(1)) {
      const r = await stream(gw, k.key);
      expect(r.ok ? 'ok' : r.err.code).toBe('rate_limit_exceeded');
    }
    const del = await api(A(), 'DELETE', `/api/clients/${k.id}`, { as: admin });
    expect(del.status).toBe(200);
    await everywhere((gw) => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.revoked !== false);
    for (const gw of c.nodes.slice(1)) {
      const r = await stream(gw, k.key);
      expect(r.ok ? 'ok' : [r.err.status, r.err.code]).toEqual([401, 'invalid_api_key']);
    }
  });
});
