/**
 * A Redis restarted empty while log rows wait (PostgreSQL away): the floor an instance leaves for a
 * budget (the spend it last saw in Redis) reaches Redis after another instance seeded the budget
 * again from logs that lack those rows. The seeded spend is raised to it: the order of the two does
 * not decide whether the budget is overspent. The counters on their own, a hand-moved clock; B
 * reaches Redis through a TCP proxy, so it connects again only once A has seeded.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { RedisLink } from '../../src/redis/redis-link';
import { eventually, TEST_LINK } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startOwnRedis, type OwnRedis } from './own-redis';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const PREFIX = 'gg-floor-after-seed:';
let redis: OwnRedis;
let proxy: TcpProxy;
const links: RedisLink[] = [];

beforeAll(async () => {
  redis = await startOwnRedis();
  proxy = await startTcpProxy('127.0.0.1', redis.port);
});
afterAll(async () => {
  for (const l of links) l.close();
  proxy?.close();
  await redis?.close();
});

async function instance(url: string): Promise<RedisLimitCounters> {
  const link = new RedisLink(url, PREFIX, TEST_LINK).start();
  links.push(link);
  expect(await link.whenUp(5_000)).toBe(true);
  const c = new RedisLimitCounters(link, 'open');
  // The logs: $0.10, what was written before PostgreSQL went away; B's rows since wait.
  c.useSpendSource(async () => 0.1);
  return c;
}

const up = (c: RedisLimitCounters) => (c as unknown as { link: RedisLink }).link.isUp();
let n = 0;
/** Admits a request of `worst` and, when `cost` is given, settles it at that. */
async function serve(c: RedisLimitCounters, s: ScopeLimits, worst: number, cost?: number): Promise<boolean> {
  const requestId = `floor-${++n}`;
  const a = await c.admit({ requestId, scopes: [s], worstCostUsd: worst, tokens: 0, now: T0 });
  if (a.ok && cost !== undefined) await c.settle(requestId, { costUsd: cost, tokens: 0, at: T0 }, T0);
  return a.ok;
}

test("a budget seeded again by A from the logs is raised to B's floor when B finds Redis emptied after", async () => {
  const a = await instance(redis.url);
  const b = await instance(proxy.url);
  const s: ScopeLimits = { key: 'c:floor', label: "key 'k'", allow: null, budgetUsd: 1, period: 'month', rpm: null, tpm: null, maxParallel: null };
  // Seeded from the logs ($0.10); A spends $0.05, then B $0.60: B saw $0.75 spent, A $0.15.
  expect(await serve(a, s, 0.05, 0.05)).toBe(true);
  for (let i = 0; i < 6; i++) expect(await serve(b, s, 0.1, 0.1)).toBe(true);
  expect(await b.spend(s, T0)).toBeCloseTo(0.75, 9);

  // Redis restarts empty while B is cut off from it: A alone seeds the budget again, from the
  // larger of the logs' $0.10 and its own $0.15, and spends $0.10 more.
  proxy.cut();
  expect(await eventually(() => !up(b))).toBe(true);
  await redis.kill();
  expect(await eventually(() => !up(a))).toBe(true);
  await redis.start();
  expect(await eventually(() => up(a), 5_000)).toBe(true);
  expect(await serve(a, s, 0.1, 0.1)).toBe(true);
  expect(await a.spend(s, T0)).toBeCloseTo(0.25, 9);

  // B connects, finds Redis emptied and leaves its $0.75 as the floor: the seeded spend is raised.
  proxy.restore();
  expect(await eventually(async () => ((await a.spend(s, T0)) ?? 0) >= 0.75 - 1e-9, 5_000)).toBe(true);
  // $0.30 more would pass the budget of $1 ($0.55 without B's floor: served).
  expect(await serve(a, s, 0.3)).toBe(false);
  expect(await serve(b, s, 0.3)).toBe(false);
  expect(await serve(a, s, 0.2)).toBe(true);
});
