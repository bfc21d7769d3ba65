/**
 * Limits through three gateways sharing one Redis and one database, driven by the official
 * openai client spread over the three: RPM exact in total, a budget never overspent under
 * parallel load, and Redis cut (a loopback TCP proxy) then restored, per fail mode.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { eq } from 'drizzle-orm';
import { clients, models } from '../../src/db/schema';
import type { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(60_000);

const PRICE = 1000; // USD per 1M tokens: the fixture's 19 + 9 tokens cost $0.028
const FIXTURE_COST = (19 + 9) * (PRICE / 1e6);
const body = { model: 'lim-model', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
beforeAll(() => {
  fake = startFakeUpstream(async () => (await Bun.sleep(10), jsonResponse(fixtureJson('openai', 'chat.json'))));
});
afterAll(() => fake?.close());

async function cluster3(env: Record<string, string> = {}, redisUrl?: string): Promise<Cluster> {
  const c = await startCluster(3, { sharedDb: true, redisUrl, env: { ...providerEnv('openai', `${fake.url}/v1`), ...env } });
  const A = c.nodes[0]!;
  A.ctx.db.insert(models).values({ id: 'lim-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 128_000, updatedAt: Date.now() }).run();
  A.ctx.state.reload();
  return c;
}

/** A key with these limits, made on A and in force on all three (change notices). */
async function limitedKey(c: Cluster, name: string, limits: Partial<typeof clients.$inferInsert>): Promise<{ key: string; id: number }> {
  const A = c.nodes[0]!;
  const k = A.addClient(name);
  A.ctx.db.update(clients).set(limits).where(eq(clients.id, k.id)).run();
  await A.ctx.limits.seed(A.ctx.state.reload());
  for (const gw of c.nodes) expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.get(k.id)?.limits != null, 10_000)).toBe(true);
  return k;
}

const spread = (c: Cluster, key: string, n: number) =>
  Promise.allSettled(Array.from({ length: n }, (_, i) => c.nodes[i % c.nodes.length]!.openai(key).chat.completions.create(body)));
const rowsOf = (c: Cluster, id: number) => c.nodes.flatMap((gw) => gw.logs.filter((r) => r.clientId === id));

describe('limits across three instances', () => {
  let c: Cluster;
  beforeAll(async () => (c = await cluster3()));
  afterAll(() => c?.close());

  test('RPM is exact across instances: N allowed in total, not N per instance', async () => {
    const k = await limitedKey(c, 'rpm-cluster', { rpm: 5 });
    const results = await spread(c, k.key, 15);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(5);
    for (const r of results) if (r.status === 'rejected') expect([r.reason.status, r.reason.code]).toEqual([429, 'rate_limit_exceeded']);
  });

  test('a limited request costs one Redis command to admit and one to settle', async () => {
    const k = await limitedKey(c, 'round-trips', { rpm: 1000, tpm: 1_000_000, budgetUsd: 100, maxParallel: 10 });
    const B = c.nodes[1]!;
    await B.openai(k.key).chat.completions.create(body); // scripts loaded
    await eventually(() => rowsOf(c, k.id).length === 1);
    const before = B.ctx.redis!.stats().commands;
    await B.openai(k.key).chat.completions.create(body);
    expect(await eventually(() => rowsOf(c, k.id).length === 2)).toBe(true);
    expect(await eventually(() => B.ctx.redis!.stats().commands - before === 2, 10_000)).toBe(true);
    await Bun.sleep(50);
    expect(B.ctx.redis!.stats().commands - before).toBe(2);
  });

  test('a budget under parallel load through all three is never overspent; the rows of all three add up to the spend', async () => {
    // A request's worst case is its body a token a byte plus max_tokens ($0.094): ten fit at once.
    const budget = (10 * (JSON.stringify(body).length + 10) * PRICE) / 1e6;
    const k = await limitedKey(c, 'budget-cluster', { budgetUsd: budget, budgetPeriod: 'month' });
    const results = await spread(c, k.key, 60);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBeGreaterThanOrEqual(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.code).toBe('budget_exceeded');
    expect(await eventually(() => rowsOf(c, k.id).length === 60, 10_000)).toBe(true);
    const spent = rowsOf(c, k.id).reduce((s, r) => s + r.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(budget);
    expect(spent).toBeCloseTo(ok * FIXTURE_COST, 10);
    const scope = c.nodes[0]!.ctx.state.getSnapshot().clientsById!.get(k.id)!.limits!.scopes[0]!;
    expect(await eventually(async () => Math.abs(((await c.nodes[1]!.ctx.limits.counters.spend(scope, Date.now())) ?? -1) - spent) < 1e-9, 10_000)).toBe(true);
    expect(await c.nodes[2]!.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  });
});

describe('Redis cut, then restored', () => {
  let proxy: TcpProxy;
  beforeAll(async () => (proxy = await startTcpProxy('127.0.0.1', 6379)));
  afterAll(() => proxy?.close());

  const health = async (gw: TestGateway) => (await (await fetch(`${gw.url}/health`)).json()) as { status: string; redis: string };
  const allDown = (c: Cluster) => eventually(async () => (await Promise.all(c.nodes.map(health))).every((h) => h.redis === 'down'), 5_000);
  const allUp = (c: Cluster) => eventually(async () => (await Promise.all(c.nodes.map(health))).every((h) => h.redis === 'ok'), 5_000);

  test('fail mode open: serving goes on, each instance enforcing its third from its own counters; what they served counts in the shared window afterwards', async () => {
    const c = await cluster3({ LLM_PROXY__LIMITS__FAIL_MODE: 'open' }, proxy.url);
    try {
      const k = await limitedKey(c, 'open-rpm', { rpm: 6 });
      // Each instance counts the three at its heartbeat.
      expect(await eventually(() => c.nodes.every((gw) => (gw.ctx.limits.counters as RedisLimitCounters).stats().instances === 3), 10_000)).toBe(true);
      proxy.cut();
      expect(await allDown(c)).toBe(true);
      expect((await health(c.nodes[0]!)).status).toBe('degraded');
      // Each instance allows its third, 2 (4 sent to each): 6 in all, the limit (before shares, 6 each).
      const during = await spread(c, k.key, 12);
      expect(during.filter((r) => r.status === 'fulfilled').length).toBe(6);
      proxy.restore();
      expect(await allUp(c)).toBe(true);
      // Back in Redis, the 6 served meanwhile are in the shared window: none more this minute
      // (the minute after an outage does not start empty; test/redis/redis-limit-counters-failures.test.ts
      // moves the clock on to when they leave it).
      expect(await eventually(() => c.nodes.every((gw) => (gw.ctx.limits.counters as RedisLimitCounters).stats().pending === 0), 5_000)).toBe(true);
      const after = await spread(c, k.key, 9);
      expect(after.filter((r) => r.status === 'fulfilled').length).toBe(0);
    } finally {
      proxy.restore();
      await c.close();
    }
  });

  test('fail mode closed: limited keys get 503 while Redis is down, others are served; exact again afterwards', async () => {
    const c = await cluster3({ LLM_PROXY__LIMITS__FAIL_MODE: 'closed' }, proxy.url);
    try {
      const k = await limitedKey(c, 'closed-rpm', { rpm: 4 });
      expect((await spread(c, k.key, 1))[0]!.status).toBe('fulfilled');
      proxy.cut();
      expect(await allDown(c)).toBe(true);
      const during = await spread(c, k.key, 3);
      for (const r of during) {
        expect(r.status).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason as InstanceType<typeof OpenAI.APIError>;
        expect([err.status, err.code]).toEqual([503, 'limits_unavailable']);
      }
      // A key without limits never needed Redis.
      const free = await c.nodes[1]!.openai().chat.completions.create(body);
      expect(free.object).toBe('chat.completion');
      // Each refused request left its row.
      expect(await eventually(() => rowsOf(c, k.id).filter((r) => r.status === 503).length === 3, 10_000)).toBe(true);
      proxy.restore();
      expect(await allUp(c)).toBe(true);
      const after = await spread(c, k.key, 9);
      expect(after.filter((r) => r.status === 'fulfilled').length).toBe(3);
    } finally {
      proxy.restore();
      await c.close();
    }
  });
});
