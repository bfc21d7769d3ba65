/**
 * PostgreSQL unreachable and Redis restarted empty at the same time (one maintenance window): a
 * budget Redis no longer holds cannot be read again from the logs. Instance A spent the key's
 * budget; B never served the key, so it saw none of that spend. A leaves what it saw in Redis as a
 * floor (FLOOR); B, unable to read the logs, must start its count from that floor, not from zero,
 * or it serves the spent budget a second time. Nor may each request wait out PostgreSQL's connection
 * timeout for the logs while B knows PostgreSQL is away. Every request leaves one row once
 * PostgreSQL is back.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisClient, SQL } from 'bun';
import OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { restartRedisEmpty, startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(120_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
// Worst case of one request: its body a token a byte plus max_tokens 10 at the priority premium, $0.16.
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };
const BUDGET = 0.3;

let fake: FakeUpstream;
let pdb: ProxiedDatabase;
let redis: OwnRedis;
let A: TestGateway, B: TestGateway;
let admin: Session;

const start = (id: string) =>
  startGateway({
    storeLogs: true,
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__DATABASE__URL: pdb.url, LLM_PROXY__REDIS__URL: redis.url,
      LLM_PROXY__REDIS__PREFIX: 'gg-logs-unreachable:', LLM_PROXY__LIMITS__FAIL_MODE: 'open', LLM_PROXY__INSTANCE_ID: id,
    },
  });

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  pdb = await createProxiedDatabase({ adminPassword: ADMIN_PASSWORD });
  redis = await startOwnRedis();
  A = await start('gw-a');
  B = await start('gw-b');
  admin = await login(A, 'admin', ADMIN_PASSWORD);
  expect((await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } })).status).toBe(200);
  for (const gw of [A, B]) expect(await eventually(() => gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
});

afterAll(async () => {
  await pdb?.close(async () => {
    await A?.close();
    await B?.close();
  });
  fake?.close();
  await redis?.close();
});

type Outcome = { status: number; code: string | null; id: string | null };

async function call(gw: TestGateway, key: string): Promise<Outcome> {
  try {
    const { response } = await gw.openai(key).chat.completions.create(body).withResponse();
    return { status: 200, code: null, id: response.headers.get('x-request-id') };
  } catch (e) {
    if (e instanceof OpenAI.APIError) return { status: e.status ?? 0, code: e.code ?? null, id: e.headers?.get('x-request-id') ?? null };
    throw e;
  }
}

const health = async (gw: TestGateway) => (await (await fetch(`${gw.url}/health`)).json()) as { store_reachable?: boolean };

test('PostgreSQL away and Redis restarted empty: B, which never served the key, does not serve its spent budget again', async () => {
  const k = await json(await api(A, 'POST', '/api/clients', { as: admin, body: { name: 'spent-on-a', budget_usd: BUDGET, budget_period: 'month' } }));
  expect(await eventually(() => B.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.budgetUsd === BUDGET, 10_000)).toBe(true);
  // A serves until the spend leaves less room than one request's worst case.
  const sent: Outcome[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await call(A, k.key);
    sent.push(r);
    if (r.status !== 200) break;
  }
  const served = sent.filter((r) => r.status === 200).length;
  expect(served).toBeGreaterThan(0);
  expect(sent.at(-1)).toMatchObject({ status: 429, code: 'budget_exceeded' });

  pdb.proxy.cut();
  for (const gw of [A, B]) expect(await eventually(async () => (await health(gw)).store_reachable === false, 15_000, 100)).toBe(true);
  await restartRedisEmpty(redis, [A, B]);
  // A, finding Redis emptied, leaves the spend it saw as the period's floor.
  const r = new RedisClient(redis.url);
  try {
    const floored = async () => Object.keys((await r.hgetall(`gg-logs-unreachable:lim:c:${k.id}:st`)) ?? {}).some((f) => f.startsWith('floor:'));
    expect(await eventually(floored, 10_000, 50)).toBe(true);
  } finally {
    r.close();
  }

  // B cannot read the logs and never saw the spend; A's floor in Redis is what it can know. Nor
  // does it try the logs on each request while it knows PostgreSQL is away (each try waits out the
  // connection timeout, seconds, before the request is served or refused).
  const spendReads: string[] = [];
  const all = B.ctx.store.all;
  B.ctx.store.all = ((sql: string, args?: any) => {
    if (sql.includes('usage_client_daily')) spendReads.push(sql);
    return all(sql, args);
  }) as typeof all;
  for (let i = 0; i < 3; i++) {
    const r = await call(B, k.key);
    sent.push(r);
    expect([r.status, r.code]).toEqual([429, 'budget_exceeded']);
  }

  B.ctx.store.all = all;
  expect(spendReads).toEqual([]);
  pdb.proxy.restore();
  const pg = new SQL({ url: pdb.db.url, max: 1 });
  try {
    const ids = sent.map((r) => r.id!);
    expect(ids.every(Boolean)).toBe(true);
    const rows = async () => (await pg`SELECT request_id, status, cost_usd FROM request_logs WHERE request_id IN ${pg(ids)}`) as { request_id: string; status: number; cost_usd: number }[];
    expect(await eventually(async () => (await rows()).length >= ids.length, 20_000, 200)).toBe(true);
    const got = await rows();
    // Exactly one row per request, and the spend within the budget.
    expect(got.length).toBe(ids.length);
    expect(new Set(got.map((r) => r.request_id)).size).toBe(ids.length);
    expect(got.reduce((s, r) => s + Number(r.cost_usd), 0)).toBeLessThanOrEqual(BUDGET);
  } finally {
    await pg.close();
  }
});
