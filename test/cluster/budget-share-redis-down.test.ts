/**
 * Three instances (one PostgreSQL, a Redis of the test's own) lose Redis (frozen: SIGSTOP) while a
 * key with a small budget is served by all three at once. In fail mode open each spends only its
 * third of what was left: the rows of all three add up to no more than the budget. Before, each
 * instance could spend all that was left when it lost Redis (a $1 budget ended near $2.7). Redis
 * back, the spend charged meanwhile reaches it: its count equals the logs' sum, and counting is
 * shared and exact again. One instance alone still spends the whole remainder.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisClient, SQL } from 'bun';
import OpenAI from 'openai';
import { api, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import type { TestGateway } from '../helpers/start-gateway';
import { createLimitedKey, redisOf, startOnOwnRedis, startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(90_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let redis: OwnRedis;
let pg: SQL;
const gateways: TestGateway[] = [];
let admin: Session;

const start = (prefix: string, id: string) => startOnOwnRedis({ upstreamUrl: `${fake.url}/v1`, dbUrl: db.url, redis, prefix, id });

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  db = await createTestDatabase('budget_share_redis_down');
  pg = new SQL({ url: db.url, max: 2 });
  redis = await startOwnRedis();
});

afterAll(async () => {
  redis?.resume();
  await pg?.close();
  for (const gw of gateways) await gw.close();
  await db?.drop();
  await redis?.close();
  fake?.close();
});

/** The request's id and how it ended: `ok` or the error code. */
const ask = (gw: TestGateway, key: string): Promise<{ id: string; got: string }> =>
  gw.openai(key).chat.completions.create(body).withResponse().then(
    (r) => ({ id: r.response.headers.get('x-request-id')!, got: 'ok' }),
    (e) => {
      if (!(e instanceof OpenAI.APIError)) throw e;
      return { id: e.headers?.get('x-request-id') ?? '', got: String(e.code) };
    },
  );

/** The log rows of these requests, once each has one. */
async function rowsOf(ids: string[]): Promise<{ request_id: string; cost_usd: number }[]> {
  const read = async () => (await pg`SELECT request_id, cost_usd FROM request_logs WHERE request_id IN ${pg(ids)}`) as { request_id: string; cost_usd: number }[];
  expect(await eventually(async () => (await read()).length === ids.length, 15_000, 50)).toBe(true);
  return read();
}
const sum = (rows: { cost_usd: number }[]) => rows.reduce((s, r) => s + Number(r.cost_usd), 0);

async function redisSpend(prefix: string, clientId: number): Promise<number> {
  const c = new RedisClient(redis.url);
  await c.connect();
  const spend = await c.send('HGET', [`${prefix}lim:c:${clientId}:st`, 'spend']);
  c.close();
  return Number(spend ?? 0);
}

/** Requests of `key` on every one of `on`, `perRound` at once on each, until a whole round is refused. */
async function serveUntilRefused(on: TestGateway[], key: string, perRound: number): Promise<{ id: string; got: string; gw: number }[]> {
  const all: { id: string; got: string; gw: number }[] = [];
  for (let round = 0; round < 40; round++) {
    const got = await Promise.all(on.flatMap((gw, i) => Array.from({ length: perRound }, () => ask(gw, key).then((r) => ({ ...r, gw: i })))));
    all.push(...got);
    if (!got.some((r) => r.got === 'ok')) break;
  }
  return all;
}

describe('a budget while Redis is down (fail mode open)', () => {
  test('three instances at once never spend past it together; Redis back, its spend is the logs\' sum and counting is shared again', async () => {
    const prefix = 'gg-budget-share:';
    const [A, B, C] = [await start(prefix, 'gw-a'), await start(prefix, 'gw-b'), await start(prefix, 'gw-c')];
    gateways.push(A, B, C);
    admin = await login(A, 'admin', ADMIN_PASSWORD);
    expect((await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } })).status).toBe(200);
    for (const gw of [B, C]) expect(await eventually(() => gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
    // Each instance counts the three at its heartbeat.
    const instances = (gw: TestGateway) => (gw.ctx.limits.counters as unknown as { stats(): { instances: number } }).stats().instances;
    expect(await eventually(() => [A, B, C].every((gw) => instances(gw) === 3), 10_000)).toBe(true);
    const BUDGET = 1;
    const k = await createLimitedKey(admin, [A, B, C], 'budget-share', { budget_usd: BUDGET, budget_period: 'month' });
    // One request on each through Redis ($0.084 spent): each has seen the budget there.
    const before = [];
    for (const gw of [A, B, C]) before.push(await ask(gw, k.key));
    expect(before.map((r) => r.got)).toEqual(['ok', 'ok', 'ok']);
    await rowsOf(before.map((r) => r.id));

    redis.pause();
    for (const gw of [A, B, C]) expect(await eventually(async () => (await redisOf(gw)) === 'down', 15_000)).toBe(true);
    const during = await serveUntilRefused([A, B, C], k.key, 3);
    const served = during.filter((r) => r.got === 'ok');
    expect(during.filter((r) => r.got !== 'ok').every((r) => r.got === 'budget_exceeded')).toBe(true);
    // Still serving: every instance had a share to spend (at most a third of the $0.92 left, less
    // the worst cost of the requests it saw reserved by the others before the pause).
    for (const i of [0, 1, 2]) expect(served.filter((r) => r.gw === i).length).toBeGreaterThanOrEqual(2);
    const rows = await rowsOf([...before, ...during].map((r) => r.id));
    const spent = sum(rows);
    expect(spent).toBeLessThanOrEqual(BUDGET + 1e-9);

    redis.resume();
    for (const gw of [A, B, C]) expect(await eventually(async () => (await redisOf(gw)) === 'ok', 15_000)).toBe(true);
    // The spend charged meanwhile reached Redis: its count is the logs' sum.
    expect(await eventually(async () => Math.abs((await redisSpend(prefix, k.id)) - spent) < 1e-9, 15_000, 50)).toBe(true);
    // Shared and exact again: what the shares left is served through Redis, up to the budget.
    const after = await serveUntilRefused([A, B, C], k.key, 2);
    expect(after.filter((r) => r.got === 'ok').length).toBeGreaterThan(0);
    const total = sum(await rowsOf([...before, ...during, ...after].map((r) => r.id)));
    expect(total).toBeLessThanOrEqual(BUDGET + 1e-9);
    expect(await eventually(async () => Math.abs((await redisSpend(prefix, k.id)) - total) < 1e-9, 15_000, 50)).toBe(true);
    for (const gw of [A, B, C]) await gw.close();
    gateways.length = 0;
  });

  test('one instance alone spends all that was left, as before', async () => {
    const prefix = 'gg-budget-share-alone:';
    const A = await start(prefix, 'gw-alone');
    gateways.push(A);
    admin = await login(A, 'admin', ADMIN_PASSWORD);
    const instances = () => (A.ctx.limits.counters as unknown as { stats(): { instances: number } }).stats().instances;
    expect(await eventually(() => instances() === 1, 10_000)).toBe(true);
    const BUDGET = 0.5;
    const k = await createLimitedKey(admin, [A], 'budget-alone', { budget_usd: BUDGET, budget_period: 'month' });
    const first = await ask(A, k.key);
    expect(first.got).toBe('ok');
    await rowsOf([first.id]);
    redis.pause();
    expect(await eventually(async () => (await redisOf(A)) === 'down', 15_000)).toBe(true);
    const during = await serveUntilRefused([A], k.key, 1);
    const spent = sum(await rowsOf([first, ...during].map((r) => r.id)));
    expect(spent).toBeLessThanOrEqual(BUDGET + 1e-9);
    // The whole remainder, less one request's worst case: more than a third of it.
    expect(during.filter((r) => r.got === 'ok').length).toBeGreaterThanOrEqual(10);
    redis.resume();
    expect(await eventually(async () => (await redisOf(A)) === 'ok', 15_000)).toBe(true);
    expect(await eventually(async () => Math.abs((await redisSpend(prefix, k.id)) - spent) < 1e-9, 15_000, 50)).toBe(true);
  });
});
