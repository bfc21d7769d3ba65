/**
 * The Redis limit counters on their own (real Redis, a hand-moved clock): the same answers as the
 * in-memory counters, exact across several instances (several counters on one prefix), and the
 * fail modes while Redis is cut (a loopback TCP proxy) and after it is back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { RedisClient } from 'bun';
import type { Admission, LimitCounters } from '../../src/limits/limit-counters';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { LimitsUnavailableError, RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { HEARTBEAT } from '../../src/limits/redis-limit-recovery-scripts';
import { RedisLink } from '../../src/redis/redis-link';
import { deleteKeys, eventually, randomPrefix, REDIS_URL } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const prefix = randomPrefix();
const links: RedisLink[] = [];
const ownPrefixes: string[] = [];
const sweptInstance = () => {
  ownPrefixes.push(randomPrefix());
  return instance('open', REDIS_URL, ownPrefixes.at(-1));
};
let proxy: TcpProxy;

beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
});
afterEach(() => proxy.restore());
afterAll(async () => {
  for (const l of links) l.close();
  proxy.close();
  await deleteKeys(prefix);
  for (const p of ownPrefixes) await deleteKeys(p);
});

let scopeN = 0;
/** A scope with a key of its own, so cases never share counters. */
const scope = (over: Partial<ScopeLimits> = {}): ScopeLimits => ({
  key: `c:${++scopeN}`, label: "key 'k'", allow: null, budgetUsd: null, period: 'month', rpm: null, tpm: null, maxParallel: null, ...over,
});

/** `own`: a prefix of its own (the stale sweep reads every reservation under a prefix, oldest first). */
async function instance(failMode: 'open' | 'closed' = 'open', url = REDIS_URL, own = prefix): Promise<RedisLimitCounters> {
  const link = new RedisLink(url, own, { retryMs: 50, pingMs: 200 }).start();
  links.push(link);
  expect(await link.whenUp(5_000)).toBe(true);
  return new RedisLimitCounters(link, failMode);
}

let n = 0;
const admit = async (c: LimitCounters, scopes: ScopeLimits[], now: number, worstCostUsd = 0, tokens = 0): Promise<Admission> =>
  c.admit({ requestId: `r${++n}-${prefix}`, scopes, worstCostUsd, tokens, now });

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
    expect(!d.ok && d.message).toContain('may cost up to $0.1000');
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

describe('an instance killed (kill -9: no settle, no more heartbeats)', () => {
  test('its reservations are freed by the others, so its slots come back', async () => {
    const mk = async () => {
      const link = new RedisLink(REDIS_URL, prefix, { retryMs: 50, pingMs: 200 }).start();
      links.push(link);
      expect(await link.whenUp(5_000)).toBe(true);
      return { link, c: new RedisLimitCounters(link, 'open', undefined, { everyMs: 100, deadAfterMs: 500 }) };
    };
    const [dying, alive] = [await mk(), await mk()];
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await Bun.sleep(150); // both have beaten once
    expect((await admit(dying.c, [s], T0, 0.5)).ok).toBe(true);
    dying.link.close(); // gone without settling
    const refused = await admit(alive.c, [s], T0, 0.5);
    expect(!refused.ok && refused.reason).toBe('parallel');
    expect(await eventually(async () => (await alive.c.outstanding(s)).inFlight === 0, 5_000)).toBe(true);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect((await admit(alive.c, [s], T0, 0.5)).ok).toBe(true);
  });

  test('killed before its timer ever beat (it crashed within 2 s of connecting): its reservations are freed all the same', async () => {
    // Its timer would first beat after a minute: only the beat made when it connects can list it.
    const link = new RedisLink(REDIS_URL, prefix, { retryMs: 50, pingMs: 200 }).start();
    links.push(link);
    const dying = new RedisLimitCounters(link, 'open', undefined, { everyMs: 60_000, deadAfterMs: 500 });
    expect(await link.whenUp(5_000)).toBe(true);
    const alive = await instance('open');
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await alive.seedSpend(s, 0, T0);
    expect((await admit(dying, [s], T0, 0.5)).ok).toBe(true);
    link.close(); // gone without settling, never having beaten on its timer
    const mk = new RedisLink(REDIS_URL, prefix, { retryMs: 50, pingMs: 200 }).start();
    links.push(mk);
    expect(await mk.whenUp(5_000)).toBe(true);
    const beating = new RedisLimitCounters(mk, 'open', undefined, { everyMs: 100, deadAfterMs: 500 });
    expect(await eventually(async () => (await beating.outstanding(s)).inFlight === 0, 5_000)).toBe(true);
    expect(await alive.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
  }, 10_000);
});

describe('an instance stopped (or stalled) past the heartbeat while its connection stayed open', () => {
  test('taken for dead, its reservations were freed; on its next beat it puts back those still running', async () => {
    const link = new RedisLink(REDIS_URL, prefix, { retryMs: 50, pingMs: 200 }).start();
    links.push(link);
    expect(await link.whenUp(5_000)).toBe(true);
    const stalled = new RedisLimitCounters(link, 'open', undefined, { everyMs: 100, deadAfterMs: 500 });
    const other = await instance('open');
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await other.seedSpend(s, 0, T0);
    await Bun.sleep(250); // it has beaten
    const id = `stalled-${prefix}`;
    expect((await stalled.admit({ requestId: id, scopes: [s], worstCostUsd: 0.6, tokens: 0, now: T0 })).ok).toBe(true);
    // What the others see of a process stopped past deadAfterMs: its beat expired, and a beat of
    // theirs frees what it held (here the one that follows at once).
    const raw = new RedisClient(REDIS_URL);
    await raw.connect();
    await raw.send('DEL', [`${prefix}lim:alive:${link.origin}`]);
    const swept = new RedisLink(REDIS_URL, prefix).start();
    links.push(swept);
    expect(await swept.whenUp(5_000)).toBe(true);
    await HEARTBEAT.run(swept, [], [prefix, `sweeper-${prefix}`, 500]);
    raw.close();
    // Running again, it beats: the request it still runs is counted again, slot and USD.
    expect(await eventually(async () => (await other.outstanding(s)).inFlight === 1, 3_000)).toBe(true);
    expect(await other.outstanding(s)).toEqual({ reservedUsd: 0.6, inFlight: 1 });
    expect(await admit(other, [s], T0 + 1, 0.1)).toMatchObject({ ok: false, reason: 'parallel' });
    expect(await stalled.settle(id, { costUsd: 0.2, tokens: 0, at: T0 }, T0 + 2)).toBe(true);
    expect(await other.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect(await other.spend(s, T0)).toBeCloseTo(0.2, 9);
  });
});

describe('an instance cut off from Redis long enough to be taken for dead', () => {
  /** An instance's counters on `url`, beating every 100 ms and taken for dead after 500 ms of silence. */
  const mk = async (url: string) => {
    const link = new RedisLink(url, prefix, { retryMs: 50, pingMs: 200 }).start();
    links.push(link);
    expect(await link.whenUp(5_000)).toBe(true);
    return { link, c: new RedisLimitCounters(link, 'open', undefined, { everyMs: 100, deadAfterMs: 500 }) };
  };
  test('what its requests cost is still charged when Redis is back, though the others freed their reservations', async () => {
    const [cutOff, alive] = [await mk(proxy.url), await mk(REDIS_URL)];
    const s = scope({ maxParallel: 2, budgetUsd: 1 });
    await alive.c.seedSpend(s, 0, T0);
    await Bun.sleep(150); // both have beaten once
    const id = `swept-${prefix}`;
    expect((await cutOff.c.admit({ requestId: id, scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    await eventually(() => !cutOff.link.isUp());
    // The request ends while cut off: its settle waits for Redis.
    await cutOff.c.settle(id, { costUsd: 0.3, tokens: 0, at: T0 }, T0);
    // Silent for longer than deadAfterMs: the other instance frees its reservation (at no cost).
    expect(await eventually(async () => (await alive.c.outstanding(s)).inFlight === 0, 5_000)).toBe(true);
    proxy.restore();
    expect(await eventually(() => cutOff.link.isUp() && cutOff.c.stats().pending === 0, 5_000)).toBe(true);
    expect(await eventually(async () => ((await alive.c.spend(s, T0)) ?? 0) > 0.29, 2_000)).toBe(true);
    expect(await alive.c.spend(s, T0)).toBeCloseTo(0.3, 9);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
  });

  test('a request still running when it is back has its reservation put back: its slot and USD stay counted until it settles', async () => {
    const [cutOff, alive] = [await mk(proxy.url), await mk(REDIS_URL)];
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await alive.c.seedSpend(s, 0, T0);
    await Bun.sleep(150); // both have beaten once
    const id = `running-${prefix}`;
    expect((await cutOff.c.admit({ requestId: id, scopes: [s], worstCostUsd: 0.6, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    await eventually(() => !cutOff.link.isUp());
    expect(await eventually(async () => (await alive.c.outstanding(s)).inFlight === 0, 5_000)).toBe(true);
    proxy.restore();
    expect(await eventually(async () => cutOff.link.isUp() && (await alive.c.outstanding(s)).inFlight === 1, 5_000)).toBe(true);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0.6, inFlight: 1 });
    // The other instance cannot start a second request of the key while it runs.
    expect(await admit(alive.c, [s], T0 + 1, 0.1)).toMatchObject({ ok: false, reason: 'parallel' });
    expect(await cutOff.c.settle(id, { costUsd: 0.2, tokens: 0, at: T0 }, T0 + 2)).toBe(true);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect(await alive.c.spend(s, T0)).toBeCloseTo(0.2, 9);
  }, 20_000);
});

describe('Redis cut and restored', () => {
  test('open: each instance enforces from its own counters while cut; spend made then reaches Redis; exact again after', async () => {
    const [a, b] = [await instance('open', proxy.url), await instance('open', proxy.url)];
    const s = scope({ rpm: 4, budgetUsd: 10 });
    await a.seedSpend(s, 0, T0);
    expect((await admit(a, [s], T0)).ok).toBe(true);
    // A budget nearly spent in Redis stays nearly spent on an instance cut off from it.
    const tight = scope({ budgetUsd: 1 });
    await b.seedSpend(tight, 0.9, T0);
    expect((await admit(b, [tight], T0, 0.05)).ok).toBe(true);
    // Seeded in Redis before the cut, as every budget is at start: Redis trusts only a seeded spend.
    const s2 = scope({ budgetUsd: 10 });
    await b.seedSpend(s2, 0, T0);
    proxy.cut();
    await eventually(() => !(a as any).link.isUp() && !(b as any).link.isUp());
    // Each instance alone: up to 4 each in its own window.
    const local = await Promise.all([a, a, a, a, a, b, b, b, b, b].map((c, i) => admit(c, [s], T0 + 1 + i)));
    expect(local.filter((r) => r.ok).length).toBe(8);
    expect((await admit(b, [tight], T0, 0.2)).ok).toBe(false);
    const id = `cut-${prefix}`;
    expect((await a.admit({ requestId: id, scopes: [scope()], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    // A request admitted locally while cut settles locally and is charged to Redis once it is back.
    const cutAdmit = `spend-${prefix}`;
    expect((await b.admit({ requestId: cutAdmit, scopes: [s2], worstCostUsd: 1, tokens: 0, now: T0 })).ok).toBe(true);
    await b.settle(cutAdmit, { costUsd: 0.5, tokens: 0, at: T0 }, T0);

    proxy.restore();
    expect(await eventually(() => (a as any).link.isUp() && (b as any).link.isUp(), 5_000)).toBe(true);
    expect(await eventually(async () => ((await b.spend(s2, T0)) ?? 0) > 0.49, 2_000)).toBe(true);
    // Exact again: a new minute, 4 in total across both.
    const after = await Promise.all(Array.from({ length: 8 }, (_, i) => admit(i % 2 ? a : b, [s], T0 + 120_000 + i)));
    expect(after.filter((r) => r.ok).length).toBe(4);
  });

  test('open: requests admitted while cut count in the RPM window once Redis is back, not only from the next minute on', async () => {
    const [a, b] = [await instance('open', proxy.url), await instance('open', proxy.url)];
    const s = scope({ rpm: 4 });
    proxy.cut();
    await eventually(() => !(a as any).link.isUp() && !(b as any).link.isUp());
    const ids = Array.from({ length: 4 }, (_, i) => `rpm-cut-${i}-${prefix}`);
    for (const [i, id] of ids.entries()) expect((await a.admit({ requestId: id, scopes: [s], worstCostUsd: 0, tokens: 0, now: T0 + 1 + i })).ok).toBe(true);
    for (const id of ids) await a.settle(id, { costUsd: 0, tokens: 0, at: T0 + 5 }, T0 + 5);
    proxy.restore();
    expect(await eventually(() => (a as any).link.isUp() && (b as any).link.isUp() && a.stats().pending === 0, 5_000)).toBe(true);
    // The same minute: A's four are in the window, on either instance.
    const same = await Promise.all(Array.from({ length: 4 }, (_, i) => admit(i % 2 ? a : b, [s], T0 + 10 + i)));
    expect(same.filter((r) => r.ok).length).toBe(0);
    // They leave the window a minute after they were admitted.
    expect((await admit(b, [s], T0 + 60_002)).ok).toBe(true);
  });

  test('open: the requests an instance admitted through Redis and still runs count in its budgets while cut, at their worst until they end', async () => {
    const a = await instance('open', proxy.url);
    const s = scope({ budgetUsd: 1 });
    await a.seedSpend(s, 0, T0);
    const running = `running-before-cut-${prefix}`;
    expect((await a.admit({ requestId: running, scopes: [s], worstCostUsd: 0.6, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    await eventually(() => !(a as any).link.isUp());
    // $0.6 may still be spent by the request running: $0.5 more would pass the budget.
    expect(await admit(a, [s], T0 + 1, 0.5)).toMatchObject({ ok: false, reason: 'budget' });
    // It ends costing $0.2: now $0.5 fits.
    await a.settle(running, { costUsd: 0.2, tokens: 0, at: T0 }, T0 + 2);
    expect((await admit(a, [s], T0 + 3, 0.5)).ok).toBe(true);
    expect(await admit(a, [s], T0 + 4, 0.5)).toMatchObject({ ok: false, reason: 'budget' });
  });

  test('closed: limited keys are refused with 503 while cut; exact again after', async () => {
    const [a, b] = [await instance('closed', proxy.url), await instance('closed', proxy.url)];
    const s = scope({ rpm: 3 });
    expect((await admit(a, [s], T0)).ok).toBe(true);
    proxy.cut();
    await eventually(() => !(a as any).link.isUp());
    let thrown: unknown = null;
    try {
      await admit(a, [s], T0 + 1);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(LimitsUnavailableError);
    expect((thrown as LimitsUnavailableError).status).toBe(503);
    proxy.restore();
    expect(await eventually(() => (a as any).link.isUp() && (b as any).link.isUp(), 5_000)).toBe(true);
    const after = await Promise.all(Array.from({ length: 6 }, (_, i) => admit(i % 2 ? a : b, [s], T0 + 2 + i)));
    expect(after.filter((r) => r.ok).length).toBe(2);
  });
});
