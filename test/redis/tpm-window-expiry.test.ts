/**
 * A TPM window's token entries in Redis expire with their keys after two idle minutes (PEXPIRE);
 * the window's running sum must not keep their tokens, or a key that paused would lose that part
 * of its TPM for good. The keys' own TTL is brought forward here (PEXPIRE 1 ms) instead of waiting.
 */
import { afterAll, expect, test } from 'bun:test';
import { RedisClient } from 'bun';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { RedisLink } from '../../src/redis/redis-link';
import { deleteKeys, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';

const prefix = randomPrefix();
const link = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
const redis = new RedisClient(REDIS_URL);
afterAll(async () => {
  link.close();
  redis.close();
  await deleteKeys(prefix);
});

const scope: ScopeLimits = { key: 'c:1', label: "key 'k'", allow: null, budgetUsd: null, period: 'month', rpm: null, tpm: 100, maxParallel: null };

/** What the keys' own TTL does once the scope has been idle two minutes. */
async function expireWindow(): Promise<void> {
  for (const k of ['tok', 'tokn']) expect(await redis.send('PEXPIRE', [`${prefix}lim:c:1:${k}`, '1'])).toBe(1);
  await Bun.sleep(20);
  expect(await redis.send('EXISTS', [`${prefix}lim:c:1:tok`])).toBe(0);
}

test('token entries expired with their keys no longer count: the TPM is whole again', async () => {
  expect(await link.whenUp(5_000)).toBe(true);
  const c = new RedisLimitCounters(link, 'closed');
  const t0 = Date.now();
  const a = await c.admit({ requestId: 'r1', scopes: [scope], worstCostUsd: 0, tokens: 60, now: t0 });
  expect(a.ok).toBe(true);
  await c.settle('r1', { costUsd: 0, tokens: 60, at: t0 }, t0);
  await expireWindow();

  const later = t0 + 10 * 60_000;
  expect(await c.peekRate([scope], later)).toEqual({ requests: null, tokens: { limit: 100, remaining: 100, resetMs: 0 } });
  const b = await c.admit({ requestId: 'r2', scopes: [scope], worstCostUsd: 0, tokens: 60, now: later });
  expect(b.ok).toBe(true);
  expect(b.rate.tokens).toEqual({ limit: 100, remaining: 40, resetMs: 60_000 });
});
