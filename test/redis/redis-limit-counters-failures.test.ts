/**
 * The Redis limit counters when an instance or Redis fails (redis-limit-counters-rig.ts): an
 * instance killed, stalled past the heartbeat or cut off long enough to be taken for dead, and the
 * fail modes while Redis is cut (a loopback TCP proxy) and after it is back.
 */
import { describe, expect, test } from 'bun:test';
import { RedisClient } from 'bun';
import { LimitsUnavailableError } from '../../src/limits/limits-unavailable';
import { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { HEARTBEAT } from '../../src/limits/redis-limit-recovery-scripts';
import { RedisLink } from '../../src/redis/redis-link';
import { eventually, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { T0, useRedisCounters } from './redis-limit-counters-rig';

let proxy: TcpProxy;
const { prefix, links, scope, instance, admit } = useRedisCounters((p) => (proxy = p));
/**
 * How long an instance's beats may stop before the others free what it holds: 2 s, not less, so a
 * loaded machine's late timer does not make a live instance look dead before the test looks.
 */
const DEAD_AFTER_MS = 2_000;
/** The instance's beat is in Redis (it beats once on connecting): it is listed, its admits can be freed. */
const beaten = (link: RedisLink) => eventually(async () => (await link.send('EXISTS', [link.key(`lim:alive:${link.origin}`)])) === 1);

// Its two cases wait out DEAD_AFTER_MS side by side (test.concurrent): each on scopes of its own,
// neither through the proxy the later cases cut.
describe('an instance killed (kill -9: no settle, no more heartbeats)', () => {
  test.concurrent('its reservations are freed by the others, so its slots come back', async () => {
    const mk = async () => {
      const link = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
      links.push(link);
      expect(await link.whenUp(5_000)).toBe(true);
      return { link, c: new RedisLimitCounters(link, 'open', undefined, { everyMs: 100, deadAfterMs: DEAD_AFTER_MS }) };
    };
    const [dying, alive] = [await mk(), await mk()];
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    for (const i of [dying, alive]) expect(await beaten(i.link)).toBe(true);
    expect((await admit(dying.c, [s], T0, 0.5)).ok).toBe(true);
    dying.link.close(); // gone without settling
    const refused = await admit(alive.c, [s], T0, 0.5);
    expect(!refused.ok && refused.reason).toBe('parallel');
    expect(await eventually(async () => (await alive.c.outstanding(s)).inFlight === 0, 10_000)).toBe(true);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect((await admit(alive.c, [s], T0, 0.5)).ok).toBe(true);
  });

  test.concurrent('killed before its timer ever beat (it crashed within 2 s of connecting): its reservations are freed all the same', async () => {
    // Its timer would first beat after a minute: only the beat made when it connects can list it.
    const link = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
    links.push(link);
    const dying = new RedisLimitCounters(link, 'open', undefined, { everyMs: 60_000, deadAfterMs: DEAD_AFTER_MS });
    expect(await link.whenUp(5_000)).toBe(true);
    const alive = await instance('open');
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await alive.seedSpend(s, 0, T0);
    expect((await admit(dying, [s], T0, 0.5)).ok).toBe(true);
    link.close(); // gone without settling, never having beaten on its timer
    const mk = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
    links.push(mk);
    expect(await mk.whenUp(5_000)).toBe(true);
    const beating = new RedisLimitCounters(mk, 'open', undefined, { everyMs: 100, deadAfterMs: DEAD_AFTER_MS });
    expect(await eventually(async () => (await beating.outstanding(s)).inFlight === 0, 10_000)).toBe(true);
    expect(await alive.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
  }, 10_000);
});

describe('an instance stopped (or stalled) past the heartbeat while its connection stayed open', () => {
  test('taken for dead, its reservations were freed; on its next beat it puts back those still running', async () => {
    const link = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
    links.push(link);
    expect(await link.whenUp(5_000)).toBe(true);
    const stalled = new RedisLimitCounters(link, 'open', undefined, { everyMs: 100, deadAfterMs: 500 });
    const other = await instance('open');
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await other.seedSpend(s, 0, T0);
    expect(await beaten(link)).toBe(true);
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
    expect(await eventually(async () => (await other.outstanding(s)).inFlight === 1, 10_000)).toBe(true);
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
    const link = new RedisLink(url, prefix, TEST_LINK).start();
    links.push(link);
    expect(await link.whenUp(5_000)).toBe(true);
    return { link, c: new RedisLimitCounters(link, 'open', undefined, { everyMs: 100, deadAfterMs: DEAD_AFTER_MS }) };
  };
  test('what its requests cost is still charged when Redis is back, though the others freed their reservations', async () => {
    const [cutOff, alive] = [await mk(proxy.url), await mk(REDIS_URL)];
    const s = scope({ maxParallel: 2, budgetUsd: 1 });
    await alive.c.seedSpend(s, 0, T0);
    for (const i of [cutOff, alive]) expect(await beaten(i.link)).toBe(true);
    const id = `swept-${prefix}`;
    expect((await cutOff.c.admit({ requestId: id, scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    await eventually(() => !cutOff.link.isUp());
    // The request ends while cut off: its settle waits for Redis.
    await cutOff.c.settle(id, { costUsd: 0.3, tokens: 0, at: T0 }, T0);
    // Silent for longer than deadAfterMs: the other instance frees its reservation (at no cost).
    expect(await eventually(async () => (await alive.c.outstanding(s)).inFlight === 0, 10_000)).toBe(true);
    proxy.restore();
    expect(await eventually(() => cutOff.link.isUp() && cutOff.c.stats().pending === 0, 10_000)).toBe(true);
    expect(await eventually(async () => ((await alive.c.spend(s, T0)) ?? 0) > 0.29, 10_000)).toBe(true);
    expect(await alive.c.spend(s, T0)).toBeCloseTo(0.3, 9);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
  });

  test('a request still running when it is back has its reservation put back: its slot and USD stay counted until it settles', async () => {
    const [cutOff, alive] = [await mk(proxy.url), await mk(REDIS_URL)];
    const s = scope({ maxParallel: 1, budgetUsd: 1 });
    await alive.c.seedSpend(s, 0, T0);
    for (const i of [cutOff, alive]) expect(await beaten(i.link)).toBe(true);
    const id = `running-${prefix}`;
    expect((await cutOff.c.admit({ requestId: id, scopes: [s], worstCostUsd: 0.6, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    await eventually(() => !cutOff.link.isUp());
    expect(await eventually(async () => (await alive.c.outstanding(s)).inFlight === 0, 10_000)).toBe(true);
    proxy.restore();
    expect(await eventually(async () => cutOff.link.isUp() && (await alive.c.outstanding(s)).inFlight === 1, 10_000)).toBe(true);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0.6, inFlight: 1 });
    // The other instance cannot start a second request of the key while it runs.
    expect(await admit(alive.c, [s], T0 + 1, 0.1)).toMatchObject({ ok: false, reason: 'parallel' });
    expect(await cutOff.c.settle(id, { costUsd: 0.2, tokens: 0, at: T0 }, T0 + 2)).toBe(true);
    expect(await alive.c.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect(await alive.c.spend(s, T0)).toBeCloseTo(0.2, 9);
  }, 20_000);
});

describe('Redis cut and restored', () => {
  test('open: each of the two instances enforces its half from its own counters while cut; spend made then reaches Redis; exact again after', async () => {
    // A prefix of their own: the two are the only instances alive there (each counts them at its heartbeat).
    const own = randomPrefix();
    const [a, b] = [await instance('open', proxy.url, own), await instance('open', proxy.url, own)];
    expect(await eventually(() => a.stats().instances === 2 && b.stats().instances === 2, 5_000)).toBe(true);
    const s = scope({ rpm: 4, budgetUsd: 10 });
    await a.seedSpend(s, 0, T0);
    // Both served the key through Redis, so both saw its budget's reservations.
    for (const c of [a, b]) expect((await admit(c, [s], T0)).ok).toBe(true);
    // A budget nearly spent in Redis stays nearly spent on an instance cut off from it.
    const tight = scope({ budgetUsd: 1 });
    await b.seedSpend(tight, 0.9, T0);
    expect((await admit(b, [tight], T0, 0.05)).ok).toBe(true);
    // Seeded in Redis before the cut, as every budget is at start, and served by b (b saw its
    // reservations: one that never did takes no share of it, since the others may hold all of it).
    const s2 = scope({ budgetUsd: 10 });
    await b.seedSpend(s2, 0, T0);
    const before = `before-cut-${prefix}`;
    expect((await b.admit({ requestId: before, scopes: [s2], worstCostUsd: 1, tokens: 0, now: T0 })).ok).toBe(true);
    await b.settle(before, { costUsd: 0, tokens: 0, at: T0 }, T0);
    proxy.cut();
    await eventually(() => !(a as any).link.isUp() && !(b as any).link.isUp());
    // Two instances: 2 each in its own window, 4 in all (before, each took 4: twice the limit).
    const local = await Promise.all([a, a, a, a, a, b, b, b, b, b].map((c, i) => admit(c, [s], T0 + 1 + i)));
    expect(local.filter((r) => r.ok).length).toBe(4);
    expect((await admit(b, [tight], T0, 0.2)).ok).toBe(false);
    const id = `cut-${prefix}`;
    expect((await a.admit({ requestId: id, scopes: [scope()], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    // A request admitted locally while cut settles locally and is charged to Redis once it is back.
    const cutAdmit = `spend-${prefix}`;
    expect((await b.admit({ requestId: cutAdmit, scopes: [s2], worstCostUsd: 1, tokens: 0, now: T0 })).ok).toBe(true);
    await b.settle(cutAdmit, { costUsd: 0.5, tokens: 0, at: T0 }, T0);

    proxy.restore();
    expect(await eventually(() => (a as any).link.isUp() && (b as any).link.isUp(), 10_000)).toBe(true);
    expect(await eventually(async () => ((await b.spend(s2, T0)) ?? 0) > 0.49, 10_000)).toBe(true);
    // Exact again: a new minute, 4 in total across both.
    const after = await Promise.all(Array.from({ length: 8 }, (_, i) => admit(i % 2 ? a : b, [s], T0 + 120_000 + i)));
    expect(after.filter((r) => r.ok).length).toBe(4);
  });

  test('open: requests admitted while cut count in the RPM window once Redis is back, not only from the next minute on', async () => {
    const own = randomPrefix();
    const [a, b] = [await instance('open', proxy.url, own), await instance('open', proxy.url, own)];
    expect(await eventually(() => a.stats().instances === 2, 5_000)).toBe(true);
    // Two instances: a may admit 4 while cut, its half.
    const s = scope({ rpm: 8 });
    proxy.cut();
    await eventually(() => !(a as any).link.isUp() && !(b as any).link.isUp());
    const ids = Array.from({ length: 4 }, (_, i) => `rpm-cut-${i}-${prefix}`);
    for (const [i, id] of ids.entries()) expect((await a.admit({ requestId: id, scopes: [s], worstCostUsd: 0, tokens: 0, now: T0 + 1 + i })).ok).toBe(true);
    for (const id of ids) await a.settle(id, { costUsd: 0, tokens: 0, at: T0 + 5 }, T0 + 5);
    proxy.restore();
    expect(await eventually(() => (a as any).link.isUp() && (b as any).link.isUp() && a.stats().pending === 0, 10_000)).toBe(true);
    // The same minute: A's four are in the window, on either instance: 4 more, not 8.
    const same = await Promise.all(Array.from({ length: 8 }, (_, i) => admit(i % 2 ? a : b, [s], T0 + 10 + i)));
    expect(same.filter((r) => r.ok).length).toBe(4);
    // They leave the window a minute after they were admitted.
    expect((await admit(b, [s], T0 + 60_002)).ok).toBe(true);
  });

  test('open: the requests an instance admitted through Redis and still runs count in its budgets while cut, at their worst until they end', async () => {
    // Alone on its prefix (N = 1): the whole budget, as before shares.
    const a = await instance('open', proxy.url, randomPrefix());
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

  test('open: the requests an instance admitted through Redis and still runs hold their max_parallel slots while cut', async () => {
    const a = await instance('open', proxy.url, randomPrefix());
    const s = scope({ maxParallel: 3 });
    const running = [`par-a-${prefix}`, `par-b-${prefix}`];
    for (const id of running) expect((await a.admit({ requestId: id, scopes: [s], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
    proxy.cut();
    await eventually(() => !(a as any).link.isUp());
    // Two still run: one more slot (before, three more: five at once under a limit of 3).
    expect((await admit(a, [s], T0 + 1)).ok).toBe(true);
    const refused = await admit(a, [s], T0 + 2);
    expect(refused).toMatchObject({ ok: false, reason: 'parallel' });
    expect(!refused.ok && refused.scope.maxParallel).toBe(3);
    // One of them ends: its slot is free again.
    await a.settle(running[0]!, { costUsd: 0, tokens: 0, at: T0 }, T0 + 3);
    expect((await admit(a, [s], T0 + 4)).ok).toBe(true);
    expect(await admit(a, [s], T0 + 5)).toMatchObject({ ok: false, reason: 'parallel' });
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
    expect(await eventually(() => (a as any).link.isUp() && (b as any).link.isUp(), 10_000)).toBe(true);
    const after = await Promise.all(Array.from({ length: 6 }, (_, i) => admit(i % 2 ? a : b, [s], T0 + 2 + i)));
    expect(after.filter((r) => r.ok).length).toBe(2);
  });
});
