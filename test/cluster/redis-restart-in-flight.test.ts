/**
 * Redis restarted empty (no persistence) while streams of a limited key are in flight on two
 * instances (one PostgreSQL, a Redis of the test's own). The reservations of those streams were
 * in Redis only: each instance must put back the ones it still holds, or the next requests see
 * the budget and the max_parallel slots free and the key overspends. Before, after the restart a
 * key at its budget (every dollar reserved by streams in flight) was served again at once, and the
 * logged spend ended above the budget; a key at max_parallel got more streams than its limit.
 * Connections killed (CLIENT KILL) while Redis keeps its data: the streams settle once each.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import OpenAI from 'openai';
import { api, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import type { TestGateway } from '../helpers/start-gateway';
import { createLimitedKey, redisOf, restartRedisEmpty, startOnOwnRedis, startOwnRedis, untilRestored, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let redis: OwnRedis;
let A: TestGateway, B: TestGateway;
let admin: Session;
let pg: SQL;
/** While set, streams stop after their first chunk until the gate is opened. */
let gate: Promise<void> | null = null;
let openGate = () => {};

const holdGate = () => {
  gate = new Promise<void>((r) => (openGate = r));
};

const start = (id: string) => startOnOwnRedis({ upstreamUrl: `${fake.url}/v1`, dbUrl: db.url, redis, prefix: 'gg-restart-in-flight:', id });

beforeAll(async () => {
  fake = startFakeUpstream(async (_req, rec) => {
    if (!rec.body?.stream) return jsonResponse(fixtureJson('openai', 'chat.json'));
    return sseResponse(readChunks('openai', 'text.chunks.txt'), gate ? { holdAt: { at: 1, until: gate } } : {});
  });
  db = await createTestDatabase('gg_restart_in_flight');
  pg = new SQL({ url: db.url, max: 2 });
  redis = await startOwnRedis();
  A = await start('gw-a');
  B = await start('gw-b');
  admin = await login(A, 'admin', ADMIN_PASSWORD);
  const priced = await api(A, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE } });
  expect(priced.status).toBe(200);
  expect(await eventually(() => B.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.input === PRICE, 10_000)).toBe(true);
});

afterAll(async () => {
  openGate();
  await pg?.close();
  await A?.close();
  await B?.close();
  await db?.drop();
  await redis?.close();
  fake?.close();
});

const createKey = (name: string, limits: Record<string, unknown>) => createLimitedKey(admin, [A, B], name, limits);

type Opened = { ok: true; stream: AsyncIterable<unknown> & { controller: AbortController } } | { ok: false; code: string };

/** Opens a stream (its first chunk came: admitted and upstream reached), or says why it was refused. */
const open = (gw: TestGateway, key: string): Promise<Opened> =>
  gw.openai(key).chat.completions.create({ ...body, stream: true }).then(
    (stream) => ({ ok: true, stream }) as Opened,
    (e) => ({ ok: false, code: e instanceof OpenAI.APIError ? String(e.code) : String(e) }),
  );

const drain = async (o: Opened) => {
  if (o.ok) for await (const _ of o.stream);
};

const restartRedis = () => restartRedisEmpty(redis, [A, B]);

/** The key's logged spend once its `n` rows are in PostgreSQL. */
async function loggedSpend(id: number, n: number): Promise<number> {
  const rows = async () => (await pg`SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${id}`)[0];
  await eventually(async () => (await rows()).n >= n, 10_000, 50);
  const r = await rows();
  expect(r.n).toBe(n);
  return Number(r.s);
}

describe('Redis restarted empty, or its connections killed, with streams in flight', () => {
  test('a budget fully reserved by streams in flight stays reserved: no request is served past it, on either instance', async () => {
    // A stream's worst case is ~$0.18 (its ~100-byte body a token a byte and max_tokens, at the
    // priority premium): three are held before the budget refuses one.
    const budget = 0.6;
    const k = await createKey('budget-in-flight', { budget_usd: budget, budget_period: 'month' });
    holdGate();
    const held: Opened[] = [];
    // Streams alternately on A and B until the budget (worst cases reserved) refuses one.
    for (let i = 0; i < 10; i++) {
      const o = await open(i % 2 ? B : A, k.key);
      if (!o.ok) {
        expect(o.code).toBe('budget_exceeded');
        break;
      }
      held.push(o);
    }
    expect(held.length).toBeGreaterThanOrEqual(3);
    expect(held.length).toBeLessThan(10);

    await restartRedis();
    gate = null; // what is admitted from now on is answered at once
    const after = await Promise.all([A, B, A, B].map((gw) => open(gw, k.key)));
    await Promise.all(after.map(drain));
    expect(after.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['budget_exceeded', 'budget_exceeded', 'budget_exceeded', 'budget_exceeded']);

    openGate();
    await Promise.all(held.map(drain));
    // One row per request: the held streams, the one refused before the restart, the four after.
    const spent = await loggedSpend(k.id, held.length + 1 + after.length);
    expect(spent).toBeLessThanOrEqual(budget);
  });

  test('max_parallel counts the streams still in flight after the restart', async () => {
    const k = await createKey('parallel-in-flight', { max_parallel: 2 });
    holdGate();
    const held = [await open(A, k.key), await open(B, k.key)];
    expect(held.map((o) => o.ok)).toEqual([true, true]);
    expect(await open(A, k.key)).toEqual({ ok: false, code: 'concurrency_limit_exceeded' });

    await restartRedis();
    gate = null;
    const after = await Promise.all([open(A, k.key), open(B, k.key)]);
    await Promise.all(after.map(drain));
    expect(after.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['concurrency_limit_exceeded', 'concurrency_limit_exceeded']);

    openGate();
    await Promise.all(held.map(drain));
    // The slots come back once the streams end.
    for (const gw of [A, B]) await drain(await open(gw, k.key));
  });

  test('connections killed (CLIENT KILL), Redis kept its data: the streams in flight settle once, nothing left reserved', async () => {
    const k = await createKey('client-kill', { budget_usd: 5, budget_period: 'month', max_parallel: 4 });
    holdGate();
    const held = await Promise.all([A, B, A, B].map((gw) => open(gw, k.key)));
    expect(held.map((o) => o.ok)).toEqual([true, true, true, true]);
    const kill = Bun.spawn(['redis-cli', '-p', String(redis.port), 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'], { stdout: 'ignore', stderr: 'ignore' });
    await kill.exited;
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'ok', 10_000)).toBe(true);
    // Still four in flight: a fifth is refused on either instance.
    expect(await open(B, k.key)).toEqual({ ok: false, code: 'concurrency_limit_exceeded' });
    openGate();
    gate = null;
    await Promise.all(held.map(drain));
    const spent = await loggedSpend(k.id, 5);
    const scope = A.ctx.state.getSnapshot().clientsById!.get(k.id)!.limits!.scopes[0]!;
    expect(await eventually(async () => (await B.ctx.limits.counters.outstanding(scope)).inFlight === 0, 5_000)).toBe(true);
    expect(await A.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect(await eventually(async () => Math.abs(((await A.ctx.limits.counters.spend(scope, Date.now())) ?? -1) - spent) < 1e-9, 5_000)).toBe(true);
  });
});

describe('streams admitted from the own counters while Redis was away, still running when it is back', () => {
  /** Redis killed, and both instances serving from their own counters (fail mode open). */
  const cutRedis = async () => {
    await redis.kill();
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'down', 5_000)).toBe(true);
  };
  const redisBack = async () => {
    await redis.start();
    for (const gw of [A, B]) expect(await eventually(async () => (await redisOf(gw)) === 'ok', 10_000)).toBe(true);
    // A's streams admitted in the outage are in Redis only once A has put them back (own-redis.ts untilRestored).
    await untilRestored([A, B]);
  };

  /**
   * Two streams of the key opened while Redis is away (held upstream; on A, or where `on` says),
   * Redis back, then one request on B and one on A: what those two got. The held streams are
   * returned, still running.
   */
  const twoHeldThroughOutage = async (key: string, on: [TestGateway, TestGateway] = [A, A]) => {
    await cutRedis();
    holdGate();
    const held = [await open(on[0], key), await open(on[1], key)];
    expect(held.map((o) => o.ok)).toEqual([true, true]);
    await redisBack();
    gate = null;
    const after = await Promise.all([open(B, key), open(A, key)]);
    await Promise.all(after.map(drain));
    return { held, after: after.map((o) => (o.ok ? 'ok' : o.code)) };
  };

  test('max_parallel counts them on both instances once Redis is back', async () => {
    const k = await createKey('parallel-outage', { max_parallel: 2 });
    const { held, after } = await twoHeldThroughOutage(k.key);
    expect(after).toEqual(['concurrency_limit_exceeded', 'concurrency_limit_exceeded']);

    openGate();
    await Promise.all(held.map(drain));
    // Their slots come back once they end, on either instance.
    for (const gw of [B, A]) await drain(await open(gw, k.key));
    expect(await open(B, k.key).then(async (o) => (await drain(o), o.ok))).toBe(true);
  });

  test('their worst cost holds the budget on both instances once Redis is back; the spend ends within it', async () => {
    // A stream's worst case is ~$0.18 and costs $0.028. Each instance serves the key once through
    // Redis first (one that never did takes no share of the budget while cut off), so each may hold
    // one stream of its half of what is left ((0.5 - 0.056) / 2 = $0.22); once Redis is back the two
    // held ($0.36 at their worst) leave room for no third of the $0.5 budget.
    const budget = 0.5;
    const k = await createKey('budget-outage', { budget_usd: budget, budget_period: 'month' });
    const scope = A.ctx.state.getSnapshot().clientsById!.get(k.id)!.limits!.scopes[0]!;
    for (const gw of [A, B]) {
      expect(await open(gw, k.key).then(async (o) => (await drain(o), o.ok))).toBe(true);
      // Settled before the next: what an instance last saw reserved of the budget stays in its share
      // while cut off (the other's settled request would still count there).
      expect(await eventually(async () => (await A.ctx.limits.counters.outstanding(scope)).reservedUsd === 0, 5_000)).toBe(true);
    }
    const { held, after } = await twoHeldThroughOutage(k.key, [A, B]);
    expect(after).toEqual(['budget_exceeded', 'budget_exceeded']);

    openGate();
    await Promise.all(held.map(drain));
    const spent = await loggedSpend(k.id, 2 + held.length + after.length);
    expect(spent).toBeLessThanOrEqual(budget);
    // Settled once: Redis counts what the rows say, and holds nothing for them any more.
    expect(await eventually(async () => Math.abs(((await B.ctx.limits.counters.spend(scope, Date.now())) ?? -1) - spent) < 1e-9, 5_000)).toBe(true);
    expect(await eventually(async () => (await B.ctx.limits.counters.outstanding(scope)).reservedUsd === 0, 5_000)).toBe(true);
  });
});
