/**
 * A budget's period changed (or the budget removed and set again) while some of its requests are
 * settled in Redis but their rows not yet in PostgreSQL (an instance's log writer behind, or cut
 * off from the database: its rows wait in memory). The spend is then read again from the logs,
 * which do not hold those rows yet.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import OpenAI from 'openai';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };
const prefix = randomPrefix();
let fake: FakeUpstream;
let db: TestDatabase;
let pgProxy: TcpProxy;
let pg: SQL;
let A: TestGateway;
let B: TestGateway;

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  db = await createTestDatabase('gg_budget_unlogged');
  pg = new SQL({ url: db.url, max: 1 });
  pgProxy = await startTcpProxy('127.0.0.1', 5432, 'postgres');
  const env = (id: string, url: string) => ({ ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: url, ...redisEnv(prefix), LLM_PROXY__INSTANCE_ID: id });
  A = await startGateway({ storeLogs: true, env: env('gw-a', db.url) });
  B = await startGateway({ storeLogs: true, env: env('gw-b', databaseUrl(db.name, `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`)) });
});
afterAll(async () => {
  pgProxy?.restore();
  await A?.close();
  await B?.close();
  await pg?.close();
  await db?.drop();
  pgProxy?.close();
  await deleteKeys(prefix);
  fake?.close();
});

const ask = (gw: TestGateway, key: string) =>
  gw.openai(key).chat.completions.create(body).then(
    () => 'ok',
    (e) => (e instanceof OpenAI.APIError ? String(e.code) : String(e)),
  );

// Before, the spend was read again from the logs alone: what was settled in Redis but not yet
// written (here B's three rows, $0.084) was counted nowhere, and the budget could be overspent by it.
test("a period changed while B's rows wait for PostgreSQL: B's spend is still counted", async () => {
  const admin = await login(A, 'admin', ADMIN_PASSWORD);
  expect((await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } })).status).toBe(200);
  const k = await json(await api(A, 'POST', '/api/clients', { as: admin, body: { name: 'unlogged', budget_usd: 1, budget_period: 'month' } }));
  expect(await eventually(() => B.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.budgetUsd === 1, 3_000)).toBe(true);
  // B cut off from PostgreSQL serves on: three requests ($0.084) settled in Redis, rows in B's memory.
  pgProxy.cut();
  for (let i = 0; i < 3; i++) expect(await ask(B, k.key)).toBe('ok');
  // The period changed through A: the spend is read again from the logs.
  expect((await api(A, 'PATCH', `/api/clients/${k.id}`, { as: admin, body: { budget_period: 'total' } })).status).toBe(200);
  // (B, cut off, reads the change once it reaches PostgreSQL again.)
  expect(await eventually(() => A.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.period === 'total', 3_000)).toBe(true);
  expect(await ask(A, k.key)).toBe('ok');
  pgProxy.restore();
  const scope = A.ctx.state.getSnapshot().clientsById!.get(k.id)!.limits!.scopes[0]! as ScopeLimits;
  // Every row in the logs now: what Redis counts is what they hold.
  const logged = async () => Number((await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${k.id}`)[0].s);
  expect(await eventually(async () => (await logged()) >= 4 * 0.028 - 1e-9, 15_000, 100)).toBe(true);
  // B has read the change too (and dropped and read again the spend it counted).
  expect(await eventually(() => B.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits?.scopes[0]?.period === 'total', 5_000)).toBe(true);
  // Never less (a reseed just after a commit may count a row twice for a moment: the safe side).
  expect(await A.ctx.limits.counters.spend(scope, Date.now())).toBeGreaterThanOrEqual((await logged()) - 1e-9);
});
