/**
 * Redis frozen (SIGSTOP: a paused VM or container, a stalled host) while a limited request waits
 * for its admit script. The gateway stops waiting after its ping goes unanswered and serves the
 * request from its own counters (fail mode open); Redis, once it goes on, still runs the admit it
 * had read, whose answer nobody reads any more. That reservation must not stay: its max_parallel
 * slot and reserved USD would refuse the key for the hour until the stale sweep. Likewise a settle
 * Redis ran after the gateway gave up on its answer: sent again on reconnection, it must not charge
 * the request's cost a second time.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisClient } from 'bun';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { eventually } from '../helpers/redis-env';
import type { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const PREFIX = 'gg-qa-paused-admit:';
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let redis: OwnRedis;
let gw: TestGateway;
let admin: Session;
/** While set, the upstream answers once it is opened. */
let gate: Promise<void> | null = null;
let openGate = () => {};

beforeAll(async () => {
  fake = startFakeUpstream(async () => {
    await gate;
    return jsonResponse(fixtureJson('openai', 'chat.json'));
  });
  redis = await startOwnRedis();
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__REDIS__URL: redis.url, LLM_PROXY__REDIS__PREFIX: PREFIX } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  openGate();
  await gw?.close();
  await redis?.close();
  fake?.close();
});

async function createKey(name: string, limits: Record<string, unknown>): Promise<{ id: number; key: string }> {
  const r = await api(gw, 'POST', '/api/clients', { as: admin, body: { name, ...limits } });
  expect(r.status).toBe(201);
  return (await json(r)) as { id: number; key: string };
}

/** Spend and reservations Redis holds for a key. */
async function redisState(id: number): Promise<{ spend: number; reserved: number; inflight: number }> {
  const c = new RedisClient(redis.url);
  await c.connect();
  const [spend, reserved, inflight] = (await c.send('HMGET', [`${PREFIX}lim:c:${id}:st`, 'spend', 'reserved', 'inflight'])) as (string | null)[];
  c.close();
  return { spend: Number(spend ?? 0), reserved: Number(reserved ?? 0), inflight: Number(inflight ?? 0) };
}

const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as { redis: string };

test('an admit Redis ran after the gateway gave up on it leaves no slot or USD reserved', async () => {
  const r = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'paused', max_parallel: 1, budget_usd: 100, budget_period: 'month' } });
  expect(r.status).toBe(201);
  const { id, key } = (await json(r)) as { id: number; key: string };
  // One request through Redis first: the budget is seeded, the scripts loaded.
  expect((await gw.openai(key).chat.completions.create(body)).choices.length).toBe(1);

  redis.pause();
  // Sent while Redis is frozen: its admit waits until the ping gives up, then it is served locally.
  const served = await gw.openai(key).chat.completions.create(body);
  expect(served.choices.length).toBe(1);
  redis.resume();
  expect(await eventually(async () => (await health()).redis === 'ok', 10_000)).toBe(true);

  const c = new RedisClient(redis.url);
  await c.connect();
  const st = `${PREFIX}lim:c:${id}:st`;
  const keys = (await c.send('KEYS', [`${PREFIX}lim:*`])) as string[];
  // Nothing of this key is in flight: every reservation made for it was settled or freed.
  const settled = await eventually(async () => {
    const [inflight, reserved] = (await c.send('HMGET', [st, 'inflight', 'reserved'])) as (string | null)[];
    return Number(inflight ?? 0) === 0 && Number(reserved ?? 0) === 0;
  }, 10_000);
  const state = await c.send('HGETALL', [st]);
  c.close();
  expect({ settled, keys: keys.includes(st), state }).toMatchObject({ settled: true, keys: true });
  // And the key is served again, not refused for max_parallel.
  expect((await gw.openai(key).chat.completions.create(body)).choices.length).toBe(1);
  // The spend Redis counts is what the three rows billed, each once.
  const rows = await gw.waitForClientRows(id, 3);
  expect(rows.map((r) => r.status)).toEqual([200, 200, 200]);
  const billed = rows.reduce((s, r) => s + r.costUsd, 0);
  expect(billed).toBeGreaterThan(0);
  const c2 = new RedisClient(redis.url);
  await c2.connect();
  const spent = await eventually(async () => Math.abs(Number(await c2.send('HGET', [st, 'spend'])) - billed) < 1e-12, 5_000);
  const spend = Number(await c2.send('HGET', [st, 'spend']));
  c2.close();
  expect({ spent, spend }).toEqual({ spent: true, spend: expect.closeTo(billed, 12) });
});

test('a settle Redis ran after the gateway gave up on its answer is not charged a second time', async () => {
  const { id, key } = await createKey('paused-settle', { budget_usd: 100, budget_period: 'month' });
  expect((await gw.openai(key).chat.completions.create(body)).choices.length).toBe(1);
  const before = fake.requests.length;
  gate = new Promise<void>((r) => (openGate = r));
  const pending = gw.openai(key).chat.completions.create(body);
  // Admitted through Redis: the upstream has it.
  expect(await eventually(() => fake.requests.length > before, 5_000)).toBe(true);
  redis.pause();
  // Its row settles while Redis is frozen: the settle waits until the ping gives up on Redis.
  openGate();
  gate = null;
  expect((await pending).choices.length).toBe(1);
  expect(await eventually(async () => (await health()).redis === 'down', 10_000)).toBe(true);
  redis.resume();
  expect(await eventually(async () => (await health()).redis === 'ok', 10_000)).toBe(true);

  // Once the settle that waited went again (and one more request after it, on the same connection),
  // the spend is each row once.
  const counters = gw.ctx.limits.counters as RedisLimitCounters;
  expect(await eventually(() => counters.stats().pending === 0, 5_000)).toBe(true);
  expect((await gw.openai(key).chat.completions.create(body)).choices.length).toBe(1);
  const rows = await gw.waitForClientRows(id, 3);
  const billed = rows.reduce((s, r) => s + r.costUsd, 0);
  expect(billed).toBeGreaterThan(0);
  expect(await eventually(async () => (await redisState(id)).reserved === 0, 5_000)).toBe(true);
  expect(await redisState(id)).toEqual({ spend: expect.closeTo(billed, 12), reserved: 0, inflight: 0 });
});
