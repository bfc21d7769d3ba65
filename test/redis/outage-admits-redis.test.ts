/**
 * Requests an instance admitted from its own counters while Redis was cut off (fail mode open),
 * still running when Redis is back (redis-limit-counters-rig.ts; a loopback proxy cuts Redis): they
 * become Redis reservations of the instance, so their slot and worst-case USD count for every
 * instance, and each settles once. One whose restore Redis never took (Redis gone again at once) is
 * charged as a request served while Redis was away, not lost.
 */
import { expect, test } from 'bun:test';
import type { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { RESTORE } from '../../src/limits/redis-limit-recovery-scripts';
import { eventually, REDIS_URL } from '../helpers/redis-env';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { useRedisCounters } from './redis-limit-counters-rig';

let proxy: TcpProxy;
const { scope, instance } = useRedisCounters((p) => (proxy = p));
const upOf = (c: RedisLimitCounters) => (c as unknown as { link: { isUp(): boolean } }).link;

/**
 * A budget scope seeded in Redis (nothing spent), an instance behind the proxy and one beside it.
 * The one behind the proxy served the key through Redis first: cut off, one of several instances
 * takes a share only of a budget it saw there.
 */
async function setUp(over: Partial<ScopeLimits>) {
  const s = scope({ budgetUsd: 1, ...over });
  const [c, other] = [await instance('open', proxy.url), await instance('open', REDIS_URL)];
  const id = `seed-${crypto.randomUUID()}`;
  expect((await c.admit({ requestId: id, scopes: [s], worstCostUsd: 0, tokens: 0, now: Date.now() })).ok).toBe(true);
  await c.settle(id, { costUsd: 0, tokens: 0, at: Date.now() }, Date.now());
  return { s, c, other };
}

/** `c` admits request `id` of `s` (worst $0.10) with Redis cut off; then `back` brings Redis back. */
async function admitAway(c: RedisLimitCounters, s: ScopeLimits, id: string): Promise<void> {
  proxy.cut();
  expect(await eventually(() => !upOf(c).isUp())).toBe(true);
  expect((await c.admit({ requestId: id, scopes: [s], worstCostUsd: 0.1, tokens: 50, now: Date.now() })).ok).toBe(true);
}

const spendOf = async (c: RedisLimitCounters, s: ScopeLimits) => (await c.spend(s, Date.now())) ?? -1;

test('running when Redis is back: its slot and USD count on the other instance; its settle bills it once', async () => {
  const { s, c, other } = await setUp({ maxParallel: 1 });
  await admitAway(c, s, 'away-1');
  proxy.restore();
  expect(await eventually(async () => (await other.outstanding(s)).inFlight === 1, 10_000)).toBe(true);
  expect((await other.outstanding(s)).reservedUsd).toBeCloseTo(0.1, 9);
  expect((await other.admit({ requestId: 'other-1', scopes: [s], worstCostUsd: 0, tokens: 0, now: Date.now() })).ok).toBe(false);
  await c.settle('away-1', { costUsd: 0.04, tokens: 30, at: Date.now() }, Date.now());
  expect(await eventually(async () => (await other.outstanding(s)).inFlight === 0, 5_000)).toBe(true);
  expect((await other.outstanding(s)).reservedUsd).toBe(0);
  expect(await spendOf(other, s)).toBeCloseTo(0.04, 9);
});

test('Redis gone again before it took the restore: the settle charges what the request cost, nothing is lost', async () => {
  const { s, c, other } = await setUp({});
  await admitAway(c, s, 'away-2');
  // The restore of this one is lost on the way (Redis went down again as it was sent).
  const run = RESTORE.run.bind(RESTORE);
  let failed = 0;
  RESTORE.run = ((link, keys, args) => (args[1] === 'away-2' && !failed++ ? Promise.reject(new Error('connection lost')) : run(link, keys, args))) as typeof RESTORE.run;
  try {
    proxy.restore();
    expect(await eventually(() => upOf(c).isUp() && failed === 1 && c.stats().localInFlight === 0, 10_000)).toBe(true);
    await c.settle('away-2', { costUsd: 0.04, tokens: 30, at: Date.now() }, Date.now());
  } finally {
    RESTORE.run = run;
  }
  expect(await eventually(async () => Math.abs((await spendOf(other, s)) - 0.04) < 1e-9, 5_000)).toBe(true);
  expect(await other.outstanding(s)).toEqual({ reservedUsd: 0, inFlight: 0 });
});
