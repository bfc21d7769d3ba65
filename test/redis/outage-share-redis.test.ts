/**
 * Three instances cut off from Redis (fail mode open) share what was left of a budget: each may
 * spend a third of what the running requests leave, its own running requests out of its own third,
 * so all three together never pass the budget; Redis back, the spend charged meanwhile is exact
 * there. Real Redis through a loopback TCP proxy (redis-limit-counters-rig.ts), a hand-moved clock.
 */
import { LimitsUnavailableError } from '../../src/limits/limits-unavailable';
import { describe, expect, test } from 'bun:test';
import type { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { eventually, randomPrefix } from '../helpers/redis-env';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { T0, useRedisCounters } from './redis-limit-counters-rig';

let proxy: TcpProxy;
const { instance, scope } = useRedisCounters((p) => (proxy = p));
const up = (c: RedisLimitCounters) => (c as unknown as { link: { isUp(): boolean } }).link.isUp();

describe('a budget while Redis is cut off from three instances', () => {
  test('each spends its third of what was left, its own running request out of it; the three never pass the budget; exact in Redis after', async () => {
    const own = randomPrefix();
    const [a, b, c] = [await instance('open', proxy.url, own), await instance('open', proxy.url, own), await instance('open', proxy.url, own)];
    expect(await eventually(() => [a, b, c].every((x) => x.stats().instances === 3), 5_000)).toBe(true);
    const s = scope({ budgetUsd: 0.9 });
    await a.seedSpend(s, 0, T0);
    let spent = 0;
    // The logs: every row of the settled requests (PostgreSQL holds all the instances' rows).
    for (const x of [a, b, c]) x.useSpendSource(async () => spent);
    let n = 0;
    const run = async (x: RedisLimitCounters, worst: number) => {
      const id = `r${++n}-${own}`;
      const r = await x.admit({ requestId: id, scopes: [s], worstCostUsd: worst, tokens: 0, now: T0 + n });
      return r.ok ? id : null;
    };
    // $0.30 spent, one request each, then a runs one that may cost $0.20 when Redis goes away.
    for (const x of [a, b, c]) {
      const id = await run(x, 0.1);
      expect(id).not.toBeNull();
      await x.settle(id!, { costUsd: 0.1, tokens: 0, at: T0 }, T0 + n);
      spent += 0.1;
    }
    const running = await run(a, 0.2);
    expect(running).not.toBeNull();
    proxy.cut();
    expect(await eventually(() => ![a, b, c].some(up), 10_000)).toBe(true);

    // Left: $0.90 - $0.30 - $0.20 running = $0.40 for new requests in all.
    const admitted = new Map<RedisLimitCounters, string[]>([[a, []], [b, []], [c, []]]);
    for (let round = 0; round < 40; round++) {
      for (const x of [a, b, c]) {
        const id = await run(x, 0.01);
        if (id) admitted.get(x)!.push(id);
      }
    }
    // a's third ($0.20) is held by its own running request; b and c take $0.20 each.
    expect(admitted.get(a)!.length).toBe(0);
    expect(admitted.get(b)!.length).toBeGreaterThanOrEqual(19);
    expect(admitted.get(c)!.length).toBeGreaterThanOrEqual(19);
    let total = 0.3;
    for (const [x, ids] of admitted) for (const id of ids) await x.settle(id, { costUsd: 0.01, tokens: 0, at: T0 }, T0 + 100);
    for (const ids of admitted.values()) total += ids.length * 0.01;
    // a's request ends costing $0.05: the $0.15 it did not cost is a's to spend.
    await a.settle(running!, { costUsd: 0.05, tokens: 0, at: T0 }, T0 + 101);
    total += 0.05;
    for (let i = 0; i < 20; i++) {
      const id = await run(a, 0.01);
      if (!id) break;
      admitted.get(a)!.push(id);
      await a.settle(id, { costUsd: 0.01, tokens: 0, at: T0 }, T0 + 102);
      total += 0.01;
    }
    expect(admitted.get(a)!.length).toBeGreaterThanOrEqual(14);
    expect(total).toBeLessThanOrEqual(0.9 + 1e-9);
    // Nothing more anywhere.
    for (const x of [a, b, c]) expect(await run(x, 0.01)).toBeNull();

    proxy.restore();
    expect(await eventually(() => [a, b, c].every((x) => up(x) && x.stats().pending === 0), 10_000)).toBe(true);
    // Exact in Redis again: what each charged meanwhile, once.
    expect(await a.spend(s, T0 + 200)).toBeCloseTo(total, 9);
    expect(await a.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
  }, 30_000);

  test('an instance that never saw the budget in Redis takes no share of it (the others may hold all that is left): 503 limits_unavailable, not a budget refusal', async () => {
    const own = randomPrefix();
    const [a, b] = [await instance('open', proxy.url, own), await instance('open', proxy.url, own)];
    expect(await eventually(() => [a, b].every((x) => x.stats().instances === 2), 5_000)).toBe(true);
    const s = scope({ budgetUsd: 1 });
    await a.seedSpend(s, 0, T0);
    expect((await a.admit({ requestId: `seen-${own}`, scopes: [s], worstCostUsd: 0.1, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    expect(await eventually(() => !up(a) && !up(b), 10_000)).toBe(true);
    const refused = await Promise.resolve()
      .then(() => b.admit({ requestId: `unseen-${own}`, scopes: [s], worstCostUsd: 0.01, tokens: 0, now: T0 + 1 }))
      .then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(LimitsUnavailableError);
    expect(refused).toMatchObject({ status: 503, code: 'limits_unavailable', headers: { 'retry-after': '1' } });
    expect((refused as Error).message).toContain('has not seen what the other instances reserved of it');
    // a saw it: its half ($0.50), less its own running request ($0.10): $0.40.
    expect((await a.admit({ requestId: `half-${own}`, scopes: [s], worstCostUsd: 0.45, tokens: 0, now: T0 + 2 })).ok).toBe(false);
    expect((await a.admit({ requestId: `share-${own}`, scopes: [s], worstCostUsd: 0.3, tokens: 0, now: T0 + 3 })).ok).toBe(true);
  }, 20_000);
});
