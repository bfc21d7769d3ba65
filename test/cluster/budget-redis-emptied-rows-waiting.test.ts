/**
 * Redis restarted empty (no persistence) while the log rows of what a key spent still wait in the
 * instances' buffers (PostgreSQL was away; its writers retry a moment after it is back). The next
 * request of the key asks for its budget's spend to be read again from the logs, which do not hold
 * those rows yet: before, the budget started again from what was written, and the key was served
 * as much again as its budget. The spend each instance last saw in Redis counts too, the other
 * instances' as well: each leaves what it saw in Redis as a floor when it finds Redis emptied, so
 * a budget spent on B, whose rows wait in B's buffer, is not served again on A (which saw little).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisClient, SQL } from 'bun';
import OpenAI from 'openai';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createProxiedDatabase, databaseUrl, type ProxiedDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { restartRedisEmpty, startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const BUDGET = 0.5;
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let pg: ProxiedDatabase;
/** Between the log writers and PostgreSQL: cut, their rows wait in the buffers. */
let logProxy: TcpProxy;
let redis: OwnRedis;
const writers: SQL[] = [];
let A: TestGateway, B: TestGateway;

const start = (id: string) => {
  const writer = new SQL({ url: databaseUrl(pg.db.name, `postgres://postgres@127.0.0.1:${logProxy.port}/postgres`), max: 2, connectionTimeout: 2 });
  writers.push(writer);
  return startGateway({
    logSink: createPgLogSink(writer, { retryMs: 100, flushMs: 20, retentionDays: 0, warn: () => {} }),
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      LLM_PROXY__DATABASE__URL: pg.url,
      LLM_PROXY__REDIS__URL: redis.url,
      LLM_PROXY__REDIS__PREFIX: 'gg-emptied-rows-waiting:',
      LLM_PROXY__INSTANCE_ID: id,
    },
  });
};

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  pg = await createProxiedDatabase({ adminPassword: ADMIN_PASSWORD });
  logProxy = await startTcpProxy('127.0.0.1', 5432, 'postgres');
  redis = await startOwnRedis();
  A = await start('gw-a');
  B = await start('gw-b');
});

afterAll(async () => {
  logProxy?.restore();
  await pg?.close(async () => {
    await A?.close();
    await B?.close();
    for (const w of writers) await w.close();
  });
  logProxy?.close();
  await redis?.close();
  fake?.close();
});

const ask = (gw: TestGateway, key: string) =>
  gw.openai(key).chat.completions.create(body).then(
    () => 'ok',
    (e) => (e instanceof OpenAI.APIError ? String(e.code) : String(e)),
  );

/** Asks on A and B in turn until the budget refuses one (at most 40); returns how many were served. */
async function serveUntilRefused(key: string): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const r = await ask(i % 2 ? B : A, key);
    if (r === 'budget_exceeded') return i;
    expect(r).toBe('ok');
  }
  throw new Error('the budget never refused a request');
}

let priced = false;
/** A key with the budget, known to both instances (the model priced once). */
async function budgetedKey(name: string): Promise<{ id: string; key: string }> {
  const admin = await login(A, 'admin', ADMIN_PASSWORD);
  if (!priced) {
    expect((await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } })).status).toBe(200);
    priced = true;
  }
  const k = await json(await api(A, 'POST', '/api/clients', { as: admin, body: { name, budget_usd: BUDGET, budget_period: 'month' } }));
  for (const gw of [A, B]) {
    expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits != null && gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
  }
  return k;
}

/**
 * PostgreSQL back for reads (not for the writers' waiting rows), and both instances know it: their
 * probe may still be waiting out a connection attempt made during the cut.
 */
async function readsBack(): Promise<void> {
  pg.proxy.restore();
  for (const gw of [A, B]) expect(await eventually(() => gw.ctx.store.reachable(), 10_000)).toBe(true);
}

/** The key's rows once the writers' are all in: every request has one; what was spent. */
async function loggedOnceIn(id: string, requests: number): Promise<number> {
  const reader = new SQL({ url: pg.db.url, max: 1 });
  try {
    const rows = async () => (await reader`SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${id}`)[0];
    expect(await eventually(async () => (await rows()).n === requests, 10_000, 50)).toBe(true);
    return Number((await rows()).s);
  } finally {
    await reader.close();
  }
}

test('Redis restarted empty while the rows of what a key spent wait to be written: its budget is not served again', async () => {
  const k = await budgetedKey('emptied');

  // One request while all is up starts the budget in Redis from the logs.
  expect(await ask(A, k.key)).toBe('ok');
  // PostgreSQL goes away: the key spends its budget, its rows wait in A's and B's buffers. Both
  // instances are refused once, so each has seen the whole spend in Redis.
  logProxy.cut();
  pg.proxy.cut();
  const before = 1 + (await serveUntilRefused(k.key));
  expect(before).toBeGreaterThan(3);
  for (const gw of [A, B]) expect(await ask(gw, k.key)).toBe('budget_exceeded');
  for (const gw of [A, B]) expect(await eventually(() => gw.ctx.logSink.stats().depth > 0, 5_000)).toBe(true);

  // Redis restarts empty; then PostgreSQL is back for reads before the writers' retry.
  await restartRedisEmpty(redis, [A, B]);
  await readsBack();
  const after = await serveUntilRefused(k.key);

  // The rows come; what was logged stays within the budget. Every request has its row: the served
  // ones and the refusals (three before, one after).
  logProxy.restore();
  const spent = await loggedOnceIn(k.id, before + after + 4);
  expect(after).toBe(0);
  expect(spent).toBeLessThanOrEqual(BUDGET);
});

test("the key spent its budget on the other instance, whose rows wait: the one that saw little of it does not serve it again", async () => {
  const k = await budgetedKey('emptied-elsewhere');
  // A serves the key once while all is up: it last saw $0.028 spent.
  expect(await ask(A, k.key)).toBe('ok');
  // PostgreSQL goes away; only B serves the key, until its budget refuses: the rows wait in B's buffer.
  logProxy.cut();
  pg.proxy.cut();
  let before = 0;
  while ((await ask(B, k.key)) === 'ok') if (++before > 40) throw new Error('the budget never refused a request');
  expect(before).toBeGreaterThan(3);
  expect(await eventually(() => B.ctx.logSink.stats().depth > 0, 5_000)).toBe(true);

  // Redis restarts empty. B finds it emptied and leaves the spend it saw as the budget's floor;
  // PostgreSQL is back for reads (the logs hold A's one row), not yet for B's waiting rows.
  await restartRedisEmpty(redis, [A, B]);
  const r = new RedisClient(redis.url);
  try {
    const fields = async () => (await r.send('HKEYS', [`gg-emptied-rows-waiting:lim:c:${k.id}:st`])) as string[];
    expect(await eventually(async () => (await fields()).some((f) => f.startsWith('floor:')), 5_000)).toBe(true);
  } finally {
    r.close();
  }
  await readsBack();
  // A reads the budget's spend again: the logs' ($0.028) or the spend A saw ($0.028) would serve
  // the key its budget again; B's floor does not.
  let after = 0;
  while ((await ask(A, k.key)) === 'ok') if (++after > 40) throw new Error('the budget never refused a request on A');

  logProxy.restore();
  // Rows: A's first, B's served ones and its refusal, A's served ones (none) and its refusal.
  const spent = await loggedOnceIn(k.id, 1 + before + 1 + after + 1);
  expect(after).toBe(0);
  expect(spent).toBeLessThanOrEqual(BUDGET);
});
