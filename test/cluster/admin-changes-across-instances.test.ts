/**
 * Admin changes made through instance A in force on instance B, as an operator runs two gateways
 * (in-process, real PostgreSQL log writers) on one fresh PostgreSQL database and one Redis prefix:
 * a key's models list and expiry set and cleared; a key moved into a team (the team's models list
 * and budget then bind it on B, a raised team budget frees it) and out again; a provider and a
 * model turned off and on, a group's targets replaced, a pool key removed; a key's max_parallel
 * and budget removed and set again while B serves one of its requests (no slot left taken, the
 * request billed once); a budget's period changed (both report the logs' spend). The usage reads
 * (summary, breakdowns, series) agree on A and B and count both instances' rows.
 * B never polls the database (tests never call watch()): the change notices bring each change.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { startCluster, type Cluster } from '../redis/cluster';

setDefaultTimeout(60_000);

/** USD per 1M tokens, both ways: the fixture's 19 + 9 tokens cost $0.028. */
const PRICE = 1000;
const COST = 0.028;

let fake: FakeUpstream;
let db: TestDatabase;
let c: Cluster;
let admin: Session;
/** A request whose message is 'hold' waits for this before the fake answers. */
let held = Promise.withResolvers<void>();

const A = () => c.nodes[0]!;
const B = () => c.nodes[1]!;

beforeAll(async () => {
  fake = startFakeUpstream(async (_req, rec) => {
    if (rec.body?.messages?.[0]?.content === 'hold') await held.promise;
    return jsonResponse({ ...fixtureJson('openai', 'chat.json'), model: rec.body?.model });
  });
  db = await createTestDatabase('gg_cluster_changes');
  c = await startCluster(2, { env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url }, each: (i) => ({ storeLogs: true, env: { LLM_PROXY__INSTANCE_ID: `gw-${i}` } }) });
  admin = await login(A(), 'admin', ADMIN_PASSWORD);
  expect((await call(A(), 'PATCH', '/api/models/gpt-4o-mini', { input_price: PRICE, output_price: PRICE })).status).toBe(200);
  expect(await eventually(() => B().ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE)).toBe(true);
});

afterAll(async () => {
  held.resolve();
  await c?.close();
  await db?.drop();
  fake?.close();
});

const call = (gw: TestGateway, method: string, path: string, body?: unknown) => api(gw, method, path, { as: admin, body });
const patch = async (path: string, body: unknown) => expect((await call(A(), 'PATCH', path, body)).status).toBe(200);

/** One chat through the OpenAI SDK: 200, or the error's status and code. */
async function chat(gw: TestGateway, key: string, model = 'openai/gpt-4o-mini', content = 'hi'): Promise<{ status: number; code?: string | null }> {
  const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  try {
    await client.chat.completions.create({ model, max_tokens: 5, messages: [{ role: 'user', content }] });
    return { status: 200 };
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err;
    return { status: err.status ?? 0, code: err.code };
  }
}

/** B answers the key as `want` says (status, and code for a refusal) within 10 s. */
const onB = (key: string, want: { status: number; code?: string }, model?: string) =>
  eventually(async () => {
    const r = await chat(B(), key, model);
    return r.status === want.status && (want.code === undefined || r.code === want.code);
  }, 10_000, 20);

/** A key made through A, served by B. */
async function makeKey(name: string, limits: Record<string, unknown> = {}): Promise<{ id: number; key: string }> {
  const r = await call(A(), 'POST', '/api/clients', { name, ...limits });
  expect(r.status).toBe(201);
  const k = await json(r);
  expect(await onB(k.key, { status: 200 })).toBe(true);
  return k;
}

const spendOn = async (gw: TestGateway, id: number): Promise<number> => (await json(await call(gw, 'GET', `/api/clients/${id}`))).spend_usd;

/** The key's rows on either instance, once PostgreSQL holds `n` of them (read through A). */
const rowsOf = (id: number, n: number) => eventually(async () => (await json(await call(A(), 'GET', `/api/logs?client_id=${id}&limit=100`))).data.length >= n, 10_000, 50);

describe('admin changes made through A, in force on B', () => {
  test("a key's models list and its expiry, set and cleared", async () => {
    const k = await makeKey('allow-and-expiry');
    await patch(`/api/clients/${k.id}`, { models: ['openai/gpt-4o'] });
    expect(await onB(k.key, { status: 403, code: 'model_not_allowed' })).toBe(true);
    await patch(`/api/clients/${k.id}`, { models: null, expires_at: new Date(Date.now() - 1000).toISOString() });
    expect(await onB(k.key, { status: 401, code: 'key_expired' })).toBe(true);
    await patch(`/api/clients/${k.id}`, { expires_at: null });
    expect(await onB(k.key, { status: 200 })).toBe(true);
  });

  test("a key moved into a team: the team's models list and budget bind it on B; raised, and left, it is served", async () => {
    const team = await json(await call(A(), 'POST', '/api/teams', { name: 'moved-in', budget_usd: COST / 2 }));
    const k = await makeKey('team-member');
    await patch(`/api/clients/${k.id}`, { team_id: team.id });
    expect(await onB(k.key, { status: 429, code: 'budget_exceeded' })).toBe(true);
    await patch(`/api/teams/${team.id}`, { budget_usd: 5 });
    expect(await onB(k.key, { status: 200 })).toBe(true);
    await patch(`/api/teams/${team.id}`, { models: ['openai/gpt-4o'] });
    expect(await onB(k.key, { status: 403, code: 'model_not_allowed' })).toBe(true);
    await patch(`/api/clients/${k.id}`, { team_id: null });
    expect(await onB(k.key, { status: 200 })).toBe(true);
    // The requests served in the team (its rows, whichever instance wrote them) are its spend, on A as on B.
    const teamRows = async () => (await json(await call(A(), 'GET', `/api/logs?team=${team.id}&limit=100`))).data as { cost_usd: number }[];
    const spendOf = async (gw: TestGateway): Promise<number> => (await json(await call(gw, 'GET', `/api/teams/${team.id}`))).spend_usd;
    const agree = async () => {
      const cost = (await teamRows()).reduce((sum, r) => sum + r.cost_usd, 0);
      return cost > 0 && Math.abs((await spendOf(A())) - cost) < 1e-9 && Math.abs((await spendOf(B())) - cost) < 1e-9;
    };
    expect(await eventually(agree, 10_000, 50)).toBe(true);
  });

  test("a provider and a model turned off and on; a group's targets replaced", async () => {
    const key = B().clientKey;
    await patch('/api/providers/openai', { enabled: false });
    expect(await onB(key, { status: 404, code: 'model_not_found' })).toBe(true);
    await patch('/api/providers/openai', { enabled: true });
    expect(await onB(key, { status: 200 })).toBe(true);
    await patch('/api/models/gpt-4o-mini', { enabled: false });
    expect(await onB(key, { status: 404 })).toBe(true);
    await patch('/api/models/gpt-4o-mini', { enabled: true });
    expect(await onB(key, { status: 200 })).toBe(true);

    expect((await call(A(), 'POST', '/api/groups', { name: 'swap-targets', strategy: 'heuristic', targets: ['openai/gpt-4o-mini'] })).status).toBe(201);
    expect(await onB(key, { status: 200 }, 'swap-targets')).toBe(true);
    expect((await call(A(), 'PUT', '/api/groups/swap-targets', { name: 'swap-targets', strategy: 'heuristic', targets: ['openai/gpt-4o'] })).status).toBe(200);
    const sentByB = async () => {
      const before = fake.requests.length;
      expect((await chat(B(), key, 'swap-targets')).status).toBe(200);
      return fake.requests.slice(before).map((r) => r.body?.model);
    };
    expect(await eventually(async () => (await sentByB()).join() === 'gpt-4o', 10_000, 20)).toBe(true);
  });

  test('a pool key removed: B sends nothing more with it', async () => {
    const added = await json(await call(A(), 'POST', '/api/providers/openai/keys', { key: 'sk-pool-removed-aaaaaaaaaaaa9999', weight: 1000 }));
    const usedByB = async () => {
      const before = fake.requests.length;
      for (let i = 0; i < 5; i++) expect((await chat(B(), B().clientKey)).status).toBe(200);
      return fake.requests.slice(before).filter((r) => r.headers.authorization === 'Bearer sk-pool-removed-aaaaaaaaaaaa9999').length;
    };
    expect(await eventually(async () => (await usedByB()) > 0, 10_000, 20)).toBe(true);
    expect((await call(A(), 'DELETE', `/api/providers/openai/keys/${added.id}`)).status).toBe(200);
    expect(await eventually(() => !B().ctx.state.getSnapshot().providers.get('openai')!.keys?.some((k) => k.id === added.id), 10_000)).toBe(true);
    expect(await usedByB()).toBe(0);
  });

  test("max_parallel and budget removed and set again while B serves the key: no slot stays taken, the request is billed once", async () => {
    held = Promise.withResolvers<void>();
    const k = await makeKey('in-flight', { max_parallel: 1, budget_usd: 1 });
    const running = chat(B(), k.key, undefined, 'hold');
    expect(await eventually(() => fake.requests.some((r) => r.body?.messages?.[0]?.content === 'hold'))).toBe(true);
    await patch(`/api/clients/${k.id}`, { max_parallel: null, budget_usd: null });
    expect(await eventually(() => B().ctx.state.getSnapshot().clientsById?.get(k.id)?.limits === null)).toBe(true);
    held.resolve();
    expect((await running).status).toBe(200);
    expect(await rowsOf(k.id, 2)).toBe(true);
    await patch(`/api/clients/${k.id}`, { max_parallel: 1, budget_usd: 1 });
    expect(await eventually(() => B().ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.maxParallel === 1)).toBe(true);
    expect((await chat(B(), k.key)).status).toBe(200);
    expect((await chat(A(), k.key)).status).toBe(200);
    expect(await rowsOf(k.id, 4)).toBe(true);
    for (const gw of [A(), B()]) expect(await eventually(async () => Math.abs((await spendOn(gw, k.id)) - 4 * COST) < 1e-9)).toBe(true);
  });

  test("a budget's period changed: A and B report the logs' spend", async () => {
    const k = await makeKey('period', { budget_usd: 5 });
    for (const gw of [A(), B(), A()]) expect((await chat(gw, k.key)).status).toBe(200);
    expect(await rowsOf(k.id, 4)).toBe(true);
    await patch(`/api/clients/${k.id}`, { budget_period: 'day' });
    expect(await eventually(() => B().ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.period === 'day')).toBe(true);
    expect((await chat(B(), k.key)).status).toBe(200);
    expect(await rowsOf(k.id, 5)).toBe(true);
    for (const gw of [A(), B()]) expect(await eventually(async () => Math.abs((await spendOn(gw, k.id)) - 5 * COST) < 1e-9)).toBe(true);
  });
});

describe("the usage A and B show", () => {
  test("summary, breakdowns and series agree on A and B and count both instances' rows", async () => {
    const k = await makeKey('usage-both');
    for (const gw of [A(), B(), B()]) expect((await chat(gw, k.key)).status).toBe(200);
    expect(await rowsOf(k.id, 4)).toBe(true);
    const logs = (await json(await call(A(), 'GET', '/api/logs?limit=1000'))).data as { instance: string }[];
    expect(new Set(logs.map((r) => r.instance))).toEqual(new Set(['gw-0', 'gw-1']));
    const read = async (gw: TestGateway, path: string) => {
      const body = await json(await call(gw, 'GET', path));
      delete body.from; // the reads' own times
      delete body.to;
      return body;
    };
    const summary = await read(A(), '/api/usage/summary');
    expect(summary.requests).toBe(logs.length);
    for (const path of ['/api/usage/summary', '/api/usage/breakdown?by=client', '/api/usage/breakdown?by=model', '/api/usage/timeseries', '/api/usage/timeseries?bucket=day'])
      expect(await read(B(), path)).toEqual(await read(A(), path));
    const mine = ((await read(B(), '/api/usage/breakdown?by=client')).data as { key: number; requests: number }[]).find((r) => r.key === k.id);
    expect(mine?.requests).toBe(4);
  });
});
