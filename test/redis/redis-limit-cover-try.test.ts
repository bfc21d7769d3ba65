/**
 * LimitCounters.coverTry on the Redis counters (redis-limit-grow-script.ts): a request whose try the
 * provider billed grows its reservation by one try where every budget of its key and team has the
 * room, seen by every instance at once; a refusal changes nothing; Redis cut off refuses it. A
 * request admitted and grown from the own counters while cut off carries its tries into Redis.
 */
import { expect, test } from 'bun:test';
import { T0, useRedisCounters } from './redis-limit-counters-rig';
import { eventually } from '../helpers/redis-env';
import type { TcpProxy } from '../helpers/tcp-proxy';

let proxy: TcpProxy;
const { prefix, scope, instance } = useRedisCounters((p) => (proxy = p));

test('grown in the key and its team where both have room, seen by another instance; refused with no trace where the team has none', async () => {
  const c = await instance();
  const other = await instance();
  const key = scope({ budgetUsd: 10 });
  const team = scope({ budgetUsd: 7 });
  await c.seedSpend(key, 0, T0);
  await c.seedSpend(team, 0, T0);
  const id = `cover-${prefix}`;
  expect((await c.admit({ requestId: id, scopes: [key, team], worstCostUsd: 3, tokens: 0, now: T0 })).ok).toBe(true);
  expect(await c.coverTry(id, 0, T0)).toBe(true);
  expect((await other.outstanding(team)).reservedUsd).toBeCloseTo(3, 9);
  expect(await c.coverTry(id, 1, T0)).toBe(true);
  expect((await other.outstanding(key)).reservedUsd).toBeCloseTo(6, 9);
  expect((await other.outstanding(team)).reservedUsd).toBeCloseTo(6, 9);
  // Another instance's request now finds the team's room held ($1 left of $7).
  const b = await other.admit({ requestId: `cover-b-${prefix}`, scopes: [key, team], worstCostUsd: 3, tokens: 0, now: T0 });
  expect(!b.ok && b.reason).toBe('budget');
  expect(await c.coverTry(id, 2, T0)).toBe(false);
  expect((await other.outstanding(key)).reservedUsd).toBeCloseTo(6, 9);
  // The row settles all of it.
  expect(await c.settle(id, { costUsd: 5, tokens: 0, at: T0 }, T0)).toBe(true);
  expect((await other.outstanding(team)).reservedUsd).toBeCloseTo(0, 9);
  expect(await other.spend(key, T0)).toBeCloseTo(5, 9);
});

test('Redis cut off: no other try is granted for a reservation made there (nothing can judge it with the other instances)', async () => {
  const c = await instance('open', proxy.url);
  const key = scope({ budgetUsd: 100 });
  await c.seedSpend(key, 0, T0);
  const id = `cover-cut-${prefix}`;
  expect((await c.admit({ requestId: id, scopes: [key], worstCostUsd: 1, tokens: 0, now: T0 })).ok).toBe(true);
  proxy.cut();
  expect(await eventually(async () => (await c.coverTry(id, 1, T0)) === false)).toBe(true);
  // Asked for nothing more than the admission holds: granted all the same.
  expect(await c.coverTry(id, 0, T0)).toBe(true);
});

test('a request admitted and grown by a try while cut off keeps its tries when Redis is back: asked again, nothing more is reserved', async () => {
  const c = await instance('open', proxy.url, `${prefix}alone:`);
  const key = scope({ budgetUsd: 10 });
  await c.seedSpend(key, 0, T0);
  proxy.cut();
  expect(await eventually(() => !(c as any).link.isUp())).toBe(true);
  const id = `cover-local-${prefix}`;
  expect((await c.admit({ requestId: id, scopes: [key], worstCostUsd: 1, tokens: 0, now: T0 })).ok).toBe(true);
  // One billed try: granted by the own counters, the reservation now holds two tries ($2).
  expect(await c.coverTry(id, 1, T0)).toBe(true);
  proxy.restore();
  expect(await eventually(async () => (c as any).link.isUp() && (await c.outstanding(key)).reservedUsd > 1.99, 10_000)).toBe(true);
  // Put back into Redis with its two tries: the same question again grows nothing (it held $4 before).
  expect(await c.coverTry(id, 1, T0)).toBe(true);
  expect((await c.outstanding(key)).reservedUsd).toBeCloseTo(2, 9);
  expect(await c.coverTry(id, 2, T0)).toBe(true);
  expect((await c.outstanding(key)).reservedUsd).toBeCloseTo(3, 9);
  expect(await c.settle(id, { costUsd: 2.5, tokens: 0, at: T0 }, T0)).toBe(true);
  expect((await c.outstanding(key)).reservedUsd).toBeCloseTo(0, 9);
});
