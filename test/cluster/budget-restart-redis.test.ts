/**
 * Budgets in Redis across a restart of every instance: the database is the truth for limits, Redis
 * holds counters only. A budget removed while Redis was out of an instance's reach (its "drop the
 * counted spend" waited in that instance's memory) and then every instance restarted: when the
 * budget is set again, what the key spent without it must count (read from the logs), not the
 * spend Redis kept from before.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv, REDIS_URL } from '../helpers/redis-env';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };
const prefix = randomPrefix();
let fake: FakeUpstream;
let db: TestDatabase;
let proxy: TcpProxy;
let A: TestGateway | null = null;
let B: TestGateway | null = null;

/** An instance on the shared PostgreSQL, reaching Redis directly or through the proxy that can be cut. */
const start = (id: string, redisUrl: string) =>
  startGateway({ storeLogs: true, env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url, ...redisEnv(prefix, redisUrl), LLM_PROXY__INSTANCE_ID: id } });

const ask = (gw: TestGateway, key: string) =>
  gw.openai(key).chat.completions.create(body).then(
    () => 'ok',
    (e) => (e instanceof OpenAI.APIError ? String(e.code) : String(e)),
  );
const redisOf = async (gw: TestGateway) => ((await (await fetch(`${gw.url}/health`)).json()) as { redis: string }).redis;

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  db = await createTestDatabase('gg_budget_restart');
  proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port));
});
afterAll(async () => {
  await A?.close();
  await B?.close();
  await db?.drop();
  proxy?.close();
  await deleteKeys(prefix);
  fake?.close();
});

test('a budget removed while Redis was out of reach, every instance restarted, then set again: the spend without it counts', async () => {
  A = await start('gw-a', proxy.url);
  B = await start('gw-b', REDIS_URL);
  let admin = await login(A, 'admin', ADMIN_PASSWORD);
  expect((await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } })).status).toBe(200);
  const k = await json(await api(A, 'POST', '/api/clients', { as: admin, body: { name: 'budget-restart', budget_usd: 0.2, budget_period: 'total' } }));
  expect(await eventually(() => B!.ctx.state.getSnapshot().clientsById?.has(k.id) === true, 10_000)).toBe(true);
  // $0.028 spent, counted in Redis (its spend is trusted there from now on).
  expect(await ask(B, k.key)).toBe('ok');
  await B.close();
  B = null;

  // A alone, cut off from Redis: the budget is removed through it.
  proxy.cut();
  expect(await eventually(async () => (await redisOf(A!)) === 'down', 5_000)).toBe(true);
  expect((await api(A, 'PATCH', `/api/clients/${k.id}`, { as: admin, body: { budget_usd: null } })).status).toBe(200);
  await A.close();
  A = null;
  proxy.restore();

  // Every instance starts again: three requests without a budget ($0.084, not counted in Redis).
  A = await start('gw-a', proxy.url);
  B = await start('gw-b', REDIS_URL);
  admin = await login(A, 'admin', ADMIN_PASSWORD);
  for (const gw of [A, B, A]) expect(await ask(gw, k.key)).toBe('ok');
  // ...in the logs' rollups, which a budget is seeded from.
  const scope = { key: `c:${k.id}`, period: 'total' } as ScopeLimits;
  expect(await eventually(async () => (await A!.ctx.limits.loggedSpend(scope, Date.now())) >= 4 * 0.028 - 1e-9, 10_000, 50)).toBe(true);

  // The budget again: $0.112 is spent, and a request's worst case ($0.16: its body a token a byte
  // and max_tokens, at the priority premium) more is over $0.20 on both instances (the $0.028
  // Redis kept would let it in).
  expect((await api(A, 'PATCH', `/api/clients/${k.id}`, { as: admin, body: { budget_usd: 0.2 } })).status).toBe(200);
  for (const gw of [A, B]) expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.budgetUsd === 0.2, 10_000)).toBe(true);
  expect(await ask(A, k.key)).toBe('budget_exceeded');
  expect(await ask(B, k.key)).toBe('budget_exceeded');
});
