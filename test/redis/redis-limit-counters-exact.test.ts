/**
 * The Redis limit counters on their own (redis-limit-counters-rig.ts): the same answers as the
 * in-memory counters, and exact across several instances (several counters on one prefix).
 */
import { describe, expect, test } from 'bun:test';
import { T0, useRedisCounters } from './redis-limit-counters-rig';

const { prefix, links, scope, instance, sweptInstance, admit } = useRedisCounters();

describe('same answers as the in-memory counters', () => {
  test('a request that may reserve less (minCostUsd) whose worst case does not fit takes half the least room of its budgets, down to its minimum, atomically', async () => {
    const c = await instance();
    const other = await instance();
    const key = scope({ budgetUsd: 1 });
    const team = scope({ budgetUsd: 2 });
    await c.seedSpend(key, 0.5, T0);
    await c.seedSpend(team, 0, T0);
    const ask = (id: string, worst: number, least: number) => ({ requestId: `${id}-${prefix}`, scopes: [key, team], worstCostUsd: worst, minCostUsd: least, tokens: 0, now: T0 });
    // The key's $0.5 is the least room (the team has $2): half of it, in both scopes.
    const a = await c.admit(ask('m1', 9, 0.1));
    expect(a.ok && a.reservedUsd).toBeCloseTo(0.25, 12);
    expect((await c.outstanding(team)).reservedUsd).toBeCloseTo(0.25, 12);
    // Another instance sees the room taken, and takes half of what is left.
    const b = await other.admit(ask('m2', 9, 0.1));
    expect(b.ok && b.reservedUsd).toBeCloseTo(0.125, 12);
    // $0.125 left: half is below its minimum, which still fits.
    const m = await c.admit(ask('m3', 9, 0.1));
    expect(m.ok && m.reservedUsd).toBeCloseTo(0.1, 12);
    // $0.025 left: the minimum does not fit. Held: the spend alone leaves it room.
    const d = await other.admit(ask('m4', 9, 0.1));
    expect(!d.ok && [d.reason, d.budget]).toEqual(['budget', 'held']);
    expect(!d.ok && d.message).toContain('may cost up to $0.10.');
    expect((await c.outstanding(key)).reservedUsd).toBeCloseTo(0.475, 12);
    // Each settled by the instance that admitted it (as its row would be).
    for (const [by, id] of [[c, 'm1'], [other, 'm2'], [c, 'm3']] as const) expect(await by.settle(`${id}-${prefix}`, { costUsd: 0.05, tokens: 0, at: T0 }, T0)).toBe(true);
    expect((await c.outstanding(team)).reservedUsd).toBeCloseTo(0);
    // $0.35 left. A worst case that fits is reserved whole, not halved; one that fits exactly too.
    const e = await other.admit(ask('m5', 0.05, 0.01));
    expect(e.ok && e.reservedUsd).toBeCloseTo(0.05, 12);
    const f = await c.admit(ask('m6', 0.3, 0.01));
    expect(f.ok && f.reservedUsd).toBeCloseTo(0.3, 12);
    expect((await c.outstanding(key)).reservedUsd).toBeCloseTo(0.35, 12);
  });

  test('RPM lowered below what the window holds (or an outage added to it): the wait is until enough admissions left for one more', async () => {
    const c = await instance();
    const other = await instance();
    const key = `c:lowered-${prefix}`;
    const s = (rpm: number) => scope({ key, rpm });
    for (const [i, at] of [0, 10_000, 20_000, 30_000].entries()) expect((await admit(i % 2 ? other : c, [s(4)], T0 + at)).ok).toBe(true);
    // Lowered to 2: 4 in the window, so 3 must leave (the one admitted at +20 s is the third).
    const refused = await admit(other, [s(2)], T0 + 40_000);
    expect(!refused.ok && [refused.reason, refused.retryAfterMs]).toEqual(['rpm', 40_000]);
    expect(!refused.ok && refused.message).toContain('Try again in 40s.');
    expect((await admit(c, [s(2)], T0 + 79_999)).ok).toBe(false);
    expect((await admit(c, [s(2)], T0 + 80_000)).ok).toBe(true);
  });

  test('RPM is a sliding window: N admitted, N+1 refused with the wait until the oldest leaves', async () => {
    const c = await instance();
    const s = scope({ rpm: 3 });
    expect((await admit(c, [s], T0)).ok).toBe(true);
    expect((await admit(c, [s], T0 + 10_000)).ok).toBe(true);
    const third = await admit(c, [s], T0 + 20_000);
    expect(third.ok && third.rate.requests).toEqual({ limit: 3, remaining: 0, resetMs: 60_000 });
    const refused = await admit(c, [s], T0 + 30_000);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect([refused.reason, refused.retryAfterMs]).toEqual(['rpm', 30_000]);
      expect(refused.message).toBe("Rate limit reached for key 'k': 3 requests per minute. Try again in 30s.");
    }
    expect((await admit(c, [s], T0 + 59_999)).ok).toBe(false);
    expect((await admit(c, [s], T0 + 60_000)).ok).toBe(true);
  });

  test('TPM reserves the estimate and settles to the actual tokens', async () => {
    const c = await instance();
    const s = scope({ tpm: 1000 });
    const a = await c.admit({ requestId: `big-${prefix}`, scopes: [s], worstCostUsd: 0, tokens: 900, now: T0 });
    expect(a.ok && a.rate.tokens?.remaining).toBe(100);
    expect((await admit(c, [s], T0 + 1, 0, 200)).ok).toBe(false);
    expect(await c.settle(`big-${prefix}`, { costUsd: 0, tokens: 300, at: T0 }, T0 + 2)).toBe(true);
    expect((await admit(c, [s], T0 + 3, 0, 200)).ok).toBe(true);
    const tooBig = await admit(c, [s], T0 + 4, 0, 5000);
    expect(!tooBig.ok && tooBig.retryAfterMs).toBe(null);
  });

  test('budgets count spend plus outstanding reservations; settling frees the difference; periods roll over', async () => {
    const c = await instance();
    const s = scope({ budgetUsd: 1 });
    await c.seedSpend(s, 0.5, T0);
    expect(await c.spend(s, T0)).toBeCloseTo(0.5);
    expect((await c.admit({ requestId: `a-${prefix}`, scopes: [s], worstCostUsd: 0.3, tokens: 0, now: T0 })).ok).toBe(true);
    expect(await c.outstanding(s)).toEqual({ reservedUsd: 0.3, inFlight: 1 });
    const refused = await admit(c, [s], T0, 0.3);
    expect(!refused.ok && refused.reason).toBe('budget');
    await c.settle(`a-${prefix}`, { costUsd: 0.1, tokens: 0, at: T0 }, T0);
    expect(await c.spend(s, T0)).toBeCloseTo(0.6);
    expect((await c.outstanding(s)).inFlight).toBe(0);
    expect((await admit(c, [s], T0, 0.3)).ok).toBe(true);
    // Next month: spend starts from zero.
    const next = Date.parse('2026-04-01T00:00:00Z');
    expect(await c.spend(s, next)).toBe(0);
    expect((await admit(c, [s], next, 0.9)).ok).toBe(true);
  });

  test('max_parallel counts requests in flight until they settle; a key and its team reserve together or not at all', async () => {
    const c = await instance();
    const key = scope({ maxParallel: 5 });
    const team = scope({ maxParallel: 1 });
    const first = `p1-${prefix}`;
    expect((await c.admit({ requestId: first, scopes: [key, team], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    const refused = await admit(c, [key, team], T0);
    expect(!refused.ok && [refused.reason, refused.scope.key]).toEqual(['parallel', team.key]);
    expect((await c.outstanding(key)).inFlight).toBe(1); // the refusal reserved nothing in the key
    await c.settle(first, { costUsd: 0, tokens: 0, at: T0 }, T0);
    expect((await admit(c, [key, team], T0)).ok).toBe(true);
  });

  test('a request that ended before its row frees its slot at once; the settle frees only the USD', async () => {
    const c = await instance();
    const s = scope({ maxParallel: 1, budgetUsd: 10 });
    await c.seedSpend(s, 0, T0);
    const ended = `e1-${prefix}`;
    expect((await c.admit({ requestId: ended, scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 })).ok).toBe(true);
    expect((await admit(c, [s], T0)).ok).toBe(false);
    await c.endFlight(ended);
    await c.endFlight(ended); // once only
    expect(await c.outstanding(s)).toEqual({ reservedUsd: 0.5, inFlight: 0 });
    const next = `e2-${prefix}`;
    expect((await c.admit({ requestId: next, scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 })).ok).toBe(true);
    expect(await c.settle(ended, { costUsd: 0.2, tokens: 0, at: T0 }, T0)).toBe(true);
    // The second request still holds the one slot.
    expect(await c.outstanding(s)).toEqual({ reservedUsd: 0.5, inFlight: 1 });
    expect(await c.spend(s, T0)).toBeCloseTo(0.2);
  });

  test('a reservation whose row never comes is freed after an hour; one kept alive (a followed background response) is held past it', async () => {
    const c = await sweptInstance();
    const lost = scope({ maxParallel: 1 });
    const followedScope = scope({ maxParallel: 1, budgetUsd: 1 });
    await c.seedSpend(followedScope, 0, T0);
    const followed = `alive-${prefix}`;
    expect((await c.admit({ requestId: `lost-${prefix}`, scopes: [lost], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    expect((await c.admit({ requestId: followed, scopes: [followedScope], worstCostUsd: 0.5, tokens: 0, now: T0 })).ok).toBe(true);
    for (let m = 30; m <= 150; m += 30) await c.keepAlive(followed, T0 + m * 60_000);
    // Each admit sweeps: the lost one is freed, the followed one still holds its slot and its USD.
    expect((await admit(c, [lost], T0 + 151 * 60_000)).ok).toBe(true);
    expect((await admit(c, [followedScope], T0 + 151 * 60_000)).ok).toBe(false);
    expect(await c.outstanding(followedScope)).toEqual({ reservedUsd: 0.5, inFlight: 1 });
    // Its row comes at last and settles it.
    expect(await c.settle(followed, { costUsd: 0.4, tokens: 0, at: T0 }, T0 + 160 * 60_000)).toBe(true);
    expect(await c.outstanding(followedScope)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect(await c.spend(followedScope, T0 + 160 * 60_000)).toBeCloseTo(0.4);
  });

  test('a kept-alive reservation whose row never comes is still freed, an hour after its last sign of life', async () => {
    const c = await sweptInstance();
    const s = scope({ maxParallel: 1 });
    const id = `alive-lost-${prefix}`;
    expect((await c.admit({ requestId: id, scopes: [s], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    await c.keepAlive(id, T0 + 100 * 60_000);
    expect((await admit(c, [s], T0 + 159 * 60_000)).ok).toBe(false);
    expect((await admit(c, [s], T0 + 161 * 60_000)).ok).toBe(true);
  });

  test("the sweep drops entries whose reservation hash expired, so 20 of them cannot keep it from reaching the rest", async () => {
    const c = await sweptInstance();
    const raw = links.at(-1)!;
    const s = scope({ maxParallel: 100 });
    for (let i = 0; i < 20; i++) expect((await c.admit({ requestId: `gone${i}-${prefix}`, scopes: [s], worstCostUsd: 0, tokens: 0, now: T0 - 1 })).ok).toBe(true);
    // Their hashes expired in Redis (two hours of Redis time with no sweep).
    for (let i = 0; i < 20; i++) await raw.send('DEL', [`${raw.prefix}lim:res:gone${i}-${prefix}`]);
    const held = scope({ maxParallel: 1 });
    expect((await c.admit({ requestId: `held-${prefix}`, scopes: [held], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    const later = T0 + 61 * 60_000;
    await admit(c, [scope()], later); // sweeps the first 20 entries: the expired ones
    expect((await admit(c, [held], later)).ok).toBe(true);
  });
});

describe('exact across instances', () => {
  test('RPM: N admitted in total over three instances, not N each', async () => {
    const nodes = [await instance(), await instance(), await instance()];
    const s = scope({ rpm: 10 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => admit(nodes[i % 3]!, [s], T0 + i)));
    expect(results.filter((r) => r.ok).length).toBe(10);
  });

  test('a period never turns back: an instance whose clock is behind at midnight does not reset the new day', async () => {
    const ahead = await instance();
    const behind = await instance();
    const s = scope({ budgetUsd: 1, period: 'day' });
    const midnight = Date.parse('2026-03-11T00:00:00Z');
    await ahead.seedSpend(s, 0, midnight);
    const a = `new-day-${prefix}`;
    expect((await ahead.admit({ requestId: a, scopes: [s], worstCostUsd: 0.5, tokens: 0, now: midnight + 1000 })).ok).toBe(true);
    await ahead.settle(a, { costUsd: 0.4, tokens: 0, at: midnight + 1000 }, midnight + 1000);
    // The other instance's clock is two seconds behind: still yesterday there.
    const b = `behind-${prefix}`;
    expect((await behind.admit({ requestId: b, scopes: [s], worstCostUsd: 0.1, tokens: 0, now: midnight - 1000 })).ok).toBe(true);
    await behind.settle(b, { costUsd: 0.05, tokens: 0, at: midnight - 1000 }, midnight - 1000);
    expect(await ahead.spend(s, midnight + 2000)).toBeCloseTo(0.4, 9);
    expect((await admit(ahead, [s], midnight + 2000, 0.7)).ok).toBe(false);
  });

  test('a budget under parallel load through three instances is never overspent', async () => {
    const nodes = [await instance(), await instance(), await instance()];
    const s = scope({ budgetUsd: 1 });
    await nodes[0]!.seedSpend(s, 0, T0);
    let spent = 0;
    // 60 requests of worst case $0.10, each costing $0.07 in the end, in waves of 15 at once.
    for (let wave = 0; wave < 4; wave++) {
      await Promise.all(
        Array.from({ length: 15 }, async (_, i) => {
          const node = nodes[i % 3]!;
          const id = `b${wave}-${i}-${prefix}`;
          const a = await node.admit({ requestId: id, scopes: [s], worstCostUsd: 0.1, tokens: 0, now: T0 });
          if (!a.ok) return;
          await Bun.sleep(1);
          spent += 0.07;
          await node.settle(id, { costUsd: 0.07, tokens: 0, at: T0 }, T0);
        }),
      );
    }
    expect(spent).toBeLessThanOrEqual(1 + 1e-9);
    expect(spent).toBeGreaterThan(0.9 - 1e-9); // ~all of it used: 13 x 0.07 = 0.91
    expect(await nodes[1]!.spend(s, T0)).toBeCloseTo(spent, 9);
  });
});
