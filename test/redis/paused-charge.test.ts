/**
 * A charge (a row whose request held no reservation: a classifier's scoring call, a request served
 * from the instance's own counters while Redis was away) sent to a Redis that then froze (SIGSTOP):
 * the gateway gives up on its answer after the ping and sends it again once Redis is back, but
 * Redis ran the first one when it went on. The spend must count it once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { RedisClient } from 'bun';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { RedisLink } from '../../src/redis/redis-link';
import { eventually } from '../helpers/redis-env';
import { startOwnRedis, type OwnRedis } from '../cluster/own-redis';

const PREFIX = 'gg-qa-paused-charge:';
let redis: OwnRedis;
let link: RedisLink;

beforeAll(async () => {
  redis = await startOwnRedis();
  link = new RedisLink(redis.url, PREFIX, { retryMs: 50, pingMs: 200 }).start();
  expect(await link.whenUp(5_000)).toBe(true);
});

afterAll(async () => {
  link?.close();
  await redis?.close();
});

const scope: ScopeLimits = { key: 'c:1', label: "key 'k'", allow: null, budgetUsd: 10, period: 'month', rpm: null, tpm: 1_000_000, maxParallel: null };

test('a charge Redis ran after the gateway gave up on its answer counts once', async () => {
  const counters = new RedisLimitCounters(link, 'open');
  const now = Date.now();
  redis.pause();
  const sent = counters.charge([scope], { costUsd: 0.25, tokens: 100, at: now }, now);
  expect(await eventually(() => !link.isUp(), 5_000)).toBe(true);
  await sent;
  redis.resume();
  expect(await eventually(() => link.isUp(), 5_000)).toBe(true);
  expect(await eventually(() => counters.stats().pending === 0, 5_000)).toBe(true);
  // A command after the flush on the same connection: the charge sent again has run by then.
  await link.send('PING', []);
  const c = new RedisClient(redis.url);
  await c.connect();
  const [spend, tsum] = (await c.send('HMGET', [`${PREFIX}lim:c:1:st`, 'spend', 'tsum'])) as string[];
  c.close();
  expect({ spend: Number(spend), tsum: Number(tsum) }).toEqual({ spend: 0.25, tsum: 100 });
});
