/**
 * A reservation whose request never settles (its instance crashed, and no admit or heartbeat ran
 * for hours) must give back what it holds whenever the sweep reaches it: its record is never
 * dropped by Redis on its own. Before, the record expired after two hours of Redis time while the
 * sweep only runs on admits and heartbeats: a record gone first left its in-flight slot, reserved
 * USD and tokens counted for ever (a max_parallel key locked out, a budget short for good).
 */
import { afterAll, expect, test } from 'bun:test';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { RedisLink } from '../../src/redis/redis-link';
import { deleteKeys, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const prefix = randomPrefix();
const links: RedisLink[] = [];
afterAll(async () => {
  for (const l of links) l.close();
  await deleteKeys(prefix);
});

async function counters(): Promise<{ c: RedisLimitCounters; link: RedisLink }> {
  const link = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
  links.push(link);
  expect(await link.whenUp(5_000)).toBe(true);
  return { link, c: new RedisLimitCounters(link, 'open') };
}

const scope: ScopeLimits = { key: 'c:1', label: "key 'k'", allow: null, budgetUsd: 1, period: 'month', rpm: null, tpm: 1000, maxParallel: 1 };

test('a reservation never settled keeps its record until the sweep gives back its slot, USD and tokens', async () => {
  const { c, link } = await counters();
  await c.seedSpend(scope, 0, T0);
  const lost = `lost-${prefix}`;
  expect((await c.admit({ requestId: lost, scopes: [scope], worstCostUsd: 0.75, tokens: 800, now: T0 })).ok).toBe(true);
  // Redis keeps the record however long nothing runs (-1: no expiry).
  expect(await link.send('PTTL', [`${prefix}lim:res:${lost}`])).toBe(-1);
  for (const keepAliveAt of [T0 + 30 * 60_000]) await c.keepAlive(lost, keepAliveAt);
  expect(await link.send('PTTL', [`${prefix}lim:res:${lost}`])).toBe(-1);
  expect(await c.outstanding(scope)).toEqual({ reservedUsd: 0.75, inFlight: 1 });

  // An hour after its last sign of life, the next admit (any key) sweeps it: everything comes back.
  const later = T0 + 91 * 60_000;
  const again = await c.admit({ requestId: `next-${prefix}`, scopes: [scope], worstCostUsd: 0.75, tokens: 800, now: later });
  expect(again.ok).toBe(true);
  expect(await link.send('EXISTS', [`${prefix}lim:res:${lost}`])).toBe(0);
  expect(await c.outstanding(scope)).toEqual({ reservedUsd: 0.75, inFlight: 1 });
});

test('token entries that add up to 0 are pruned without failing the admit (it stays on the shared counts)', async () => {
  const { c } = await counters();
  const s: ScopeLimits = { ...scope, key: 'c:zero', budgetUsd: null, maxParallel: null };
  // A request that ended with no tokens (refused upstream, cut before any): its entry counts 0.
  expect((await c.admit({ requestId: `zero-${prefix}`, scopes: [s], worstCostUsd: 0, tokens: 0, now: T0 })).ok).toBe(true);
  await c.settle(`zero-${prefix}`, { costUsd: 0, tokens: 0, at: T0 }, T0);
  // Past the minute its entry is pruned by the next admit, which Redis answers (not a local fallback).
  const next = await c.admit({ requestId: `after-${prefix}`, scopes: [s], worstCostUsd: 0, tokens: 10, now: T0 + 61_000 });
  expect(next.ok).toBe(true);
  expect(c.stats().localInFlight).toBe(0);
});
