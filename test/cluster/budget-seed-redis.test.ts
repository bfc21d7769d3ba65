/**
 * Budgets across two instances on one PostgreSQL and a Redis of the test's own (A reaches it
 * through a loopback TCP proxy, so A alone can be cut off): Redis must never count a budget from
 * zero when the key has spent before, nor count a request twice. What an operator meets:
 * - a key that had only an RPM limit (so Redis already tracked it) gets a budget: what it spent
 *   before is in PostgreSQL's rollups and must count;
 * - Redis restarts empty (no persistence) after serving went on in fail mode `open`: the spend is
 *   read again from PostgreSQL, not started from what the outage's requests cost, and the charges
 *   an instance kept for Redis during the outage are not added on top of it;
 * - an instance cut off from Redis starts the key's budget from the spend it last saw there (README),
 *   not from what it read at start.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const COST = 28 * (PRICE / 1e6);
// Worst case of one request: its 86-byte body a token a byte (the budget's prompt ceiling) plus
// max_tokens 10, at gpt-4o-mini's priority premium (5/3): $0.16.
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let pg: SQL;
let redis: OwnRedis;
let proxy: TcpProxy;
let A: TestGateway, B: TestGateway;
let admin: Session;

const start = (id: string, redisUrl: string) =>
  startGateway({
    storeLogs: true,
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__DATABASE__URL: db.url,
      LLM_PROXY__REDIS__URL: redisUrl,
      LLM_PROXY__REDIS__PREFIX: 'gg-budget-seed:',
      LLM_PROXY__LIMITS__FAIL_MODE: 'open',
      LLM_PROXY__INSTANCE_ID: id,
    },
  });

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  db = await createTestDatabase('gg_cluster_budget');
  pg = new SQL({ url: db.url, max: 2 });
  redis = await startOwnRedis();
  proxy = await startTcpProxy('127.0.0.1', redis.port);
  A = await start('gw-a', proxy.url);
  B = await start('gw-b', redis.url);
  admin = await login(A, 'admin', ADMIN_PASSWORD);
  const priced = await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } });
  expect(priced.status).toBe(200);
  expect(await eventually(() => B.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
});

afterAll(async () => {
  await A?.close();
  await B?.close();
  await pg?.close();
  await db?.drop();
  proxy?.close();
  await redis?.close();
  fake?.close();
});

async function createKey(name: string, limits: Record<string, unknown> = {}): Promise<{ id: number; key: string }> {
  const r = await api(A, 'POST', '/api/clients', { as: admin, body: { name, ...limits } });
  expect(r.status).toBe(201);
  const k = await json(r);
  for (const gw of [A, B]) expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.has(k.id) === true, 10_000)).toBe(true);
  return { id: k.id, key: k.key };
}

async function patchKey(id: number, change: Record<string, unknown>, ready: (gw: TestGateway) => boolean): Promise<any> {
  const r = await api(A, 'PATCH', `/api/clients/${id}`, { as: admin, body: change });
  expect(r.status).toBe(200);
  for (const gw of [A, B]) expect(await eventually(() => ready(gw), 10_000)).toBe(true);
  return json(r);
}

const limitsOn = (gw: TestGateway, id: number) => gw.ctx.state.getSnapshot().clientsById?.get(id)?.limits?.scopes[0];

/** The key's spend in PostgreSQL's daily rollup, once it reaches `atLeast`. */
async function rolledUp(id: number, atLeast: number): Promise<number> {
  let spent = 0;
  await eventually(async () => {
    const [row] = await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM usage_client_daily WHERE client_id = ${id}`;
    spent = Number(row.s);
    return spent >= atLeast - 1e-9;
  }, 10_000, 50);
  return spent;
}

const redisOf = async (gw: TestGateway) => ((await (await fetch(`${gw.url}/health`)).json()) as { redis: string }).redis;
const scopeOf = (id: number) => limitsOn(A, id)!;
const loggedSpend = async (id: number) => Number((await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${id}`)[0].s);

const ask = (gw: TestGateway, key: string) =>
  gw.openai(key).chat.completions.create(body).then(
    () => 'ok',
    (e) => (e instanceof OpenAI.APIError ? String(e.code) : String(e)),
  );

describe('budgets in Redis start from what PostgreSQL says was spent', () => {
  test('a budget given to a key that already had an RPM limit counts what the key spent before', async () => {
    const k = await createKey('rpm-then-budget');
    for (const gw of [A, B, A]) expect(await ask(gw, k.key)).toBe('ok');
    // An RPM limit: from now on each request goes through Redis.
    await patchKey(k.id, { rpm: 100 }, (gw) => limitsOn(gw, k.id)?.rpm === 100);
    expect(await ask(B, k.key)).toBe('ok');
    const spent = await rolledUp(k.id, 4 * COST);
    expect(spent).toBeCloseTo(4 * COST, 9);

    // A budget below what was spent: the admin API says so, and no instance serves the key.
    const patched = await patchKey(k.id, { budget_usd: 0.1 }, (gw) => limitsOn(gw, k.id)?.budgetUsd === 0.1);
    expect(patched.spend_usd).toBeCloseTo(spent, 9);
    expect(await ask(B, k.key)).toBe('budget_exceeded');
    expect(await ask(A, k.key)).toBe('budget_exceeded');
  });

  test('Redis restarted empty after an outage served in fail mode open: the spend comes back from PostgreSQL', async () => {
    const budget = 0.23;
    const k = await createKey('restart', { budget_usd: budget, budget_period: 'month' });
    expect(await ask(A, k.key)).toBe('ok');
    expect(await ask(B, k.key)).toBe('ok');

    await redis.kill();
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'down', 5_000)).toBe(true);
    // Served from A's own counters (it last saw $0 spent in Redis); charged to Redis once it is back.
    expect(await ask(A, k.key)).toBe('ok');
    const spent = await rolledUp(k.id, 3 * COST);
    expect(spent).toBeCloseTo(3 * COST, 9);

    await redis.start();
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'ok', 10_000)).toBe(true);
    // $0.084 spent: one more request's worst case ($0.16) does not fit in $0.23, on either instance.
    const after = await Promise.all([ask(A, k.key), ask(B, k.key), ask(A, k.key), ask(B, k.key)]);
    expect(after).toEqual(['budget_exceeded', 'budget_exceeded', 'budget_exceeded', 'budget_exceeded']);
    expect(await rolledUp(k.id, spent)).toBeLessThanOrEqual(budget);
  });

  test('an instance cut off from Redis starts the budget from the spend it last saw there, not from its start', async () => {
    // Eight requests spend $0.224, more than a worst case ($0.16): counted from its start (zero), A
    // would serve nine more and pass the budget; from the $0.224 it saw, one.
    const budget = 0.4;
    const before = 8;
    const k = await createKey('cut-off', { budget_usd: budget, budget_period: 'month' });
    for (let i = 0; i < before; i++) expect(await ask(A, k.key)).toBe('ok');
    proxy.cut();
    try {
      expect(await eventually(async () => (await redisOf(A)) === 'down', 5_000)).toBe(true);
      // A alone now: it serves from its own counters until the budget is reached, not past it.
      const answers: string[] = [];
      while (answers.length < 10 && answers.at(-1) !== 'budget_exceeded') answers.push(await ask(A, k.key));
      expect(answers.at(-1)).toBe('budget_exceeded');
      await rolledUp(k.id, (before + answers.length - 1) * COST);
      expect(await loggedSpend(k.id)).toBeLessThanOrEqual(budget);
    } finally {
      proxy.restore();
    }
    expect(await eventually(async () => (await redisOf(A)) === 'ok', 10_000)).toBe(true);
  });

  test('an instance cut off from Redis that never served the key does not start its budget from zero', async () => {
    // The key's traffic went through B; A admitted none of it, so it saw no spend in Redis. Cut
    // off, A must still count the $0.224 the logs hold: from zero it would serve nine more. With B
    // alive too, A has not seen what B reserved of the budget and takes no share of it: its
    // requests of the key are told the limits cannot be checked (503), none served.
    const budget = 0.4;
    const before = 8;
    const k = await createKey('served-elsewhere', { budget_usd: budget, budget_period: 'month' });
    for (let i = 0; i < before; i++) expect(await ask(B, k.key)).toBe('ok');
    await rolledUp(k.id, before * COST);
    proxy.cut();
    try {
      expect(await eventually(async () => (await redisOf(A)) === 'down', 5_000)).toBe(true);
      // What A's admin API says the key spent is what was spent, not A's count from its start.
      const shown = await json(await api(A, 'GET', `/api/clients/${k.id}`, { as: admin }));
      expect(shown.spend_usd).toBeCloseTo(before * COST, 6);
      expect(await ask(A, k.key)).toBe('limits_unavailable');
      expect(await loggedSpend(k.id)).toBeLessThanOrEqual(budget);
    } finally {
      proxy.restore();
    }
    expect(await eventually(async () => (await redisOf(A)) === 'ok', 10_000)).toBe(true);
  });

  test('Redis restarted empty: charges an instance kept for it during its outage are not counted on top of the logs', async () => {
    const k = await createKey('counted-once', { budget_usd: 5, budget_period: 'month' });
    for (let i = 0; i < 2; i++) expect(await ask(A, k.key)).toBe('ok');
    proxy.cut();
    try {
      expect(await eventually(async () => (await redisOf(A)) === 'down', 5_000)).toBe(true);
      // Served by A alone; A keeps their charges for Redis.
      for (let i = 0; i < 3; i++) expect(await ask(A, k.key)).toBe('ok');
      await rolledUp(k.id, 5 * COST);
      await redis.kill();
      await redis.start();
      expect(await eventually(async () => (await redisOf(B)) === 'ok', 10_000)).toBe(true);
      // B is first on the empty Redis: the budget is seeded from the logs, the outage's requests included.
      expect(await ask(B, k.key)).toBe('ok');
    } finally {
      proxy.restore();
    }
    expect(await eventually(async () => (await redisOf(A)) === 'ok', 10_000)).toBe(true);
    const counters = A.ctx.limits.counters as unknown as { stats(): { pending: number } };
    expect(await eventually(() => counters.stats().pending === 0, 5_000)).toBe(true);
    await rolledUp(k.id, 6 * COST);
    const logged = await loggedSpend(k.id);
    expect(logged).toBeCloseTo(6 * COST, 9);
    expect(await B.ctx.limits.counters.spend(scopeOf(k.id), Date.now())).toBeCloseTo(logged, 9);
  });
});
