/**
 * The rig of the Redis limit counters tests (redis-limit-counters-*.test.ts): real Redis on a
 * prefix of the file's own, a hand-moved clock, counters as instances (several on one prefix act
 * as a cluster) and a loopback TCP proxy to cut Redis off, restored after each test.
 */
import { afterAll, afterEach, beforeAll, expect } from 'bun:test';
import type { Admission, LimitCounters } from '../../src/limits/limit-counters';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { RedisLimitCounters } from '../../src/limits/redis-limit-counters';
import { RedisLink } from '../../src/redis/redis-link';
import { deleteKeys, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

export const T0 = Date.parse('2026-03-10T12:00:00Z');

export interface CountersRig {
  /** The file's key prefix, shared by every instance() unless told otherwise. */
  prefix: string;
  /** Every link opened, closed after the file. */
  links: RedisLink[];
  /** A scope with a key of its own, so cases never share counters. */
  scope: (over?: Partial<ScopeLimits>) => ScopeLimits;
  /**
   * `own`: a prefix of its own (the stale sweep reads every reservation under a prefix, oldest
   * first; the instances alive under a prefix share its limits while Redis is cut off).
   */
  instance: (failMode?: 'open' | 'closed', url?: string, own?: string) => Promise<RedisLimitCounters>;
  /** An instance on a fresh prefix of its own. */
  sweptInstance: () => Promise<RedisLimitCounters>;
  admit: (c: LimitCounters, scopes: ScopeLimits[], now: number, worstCostUsd?: number, tokens?: number) => Promise<Admission>;
}

/** Registers the file's hooks; `ready` gets the TCP proxy to Redis once it listens. */
export function useRedisCounters(ready: (proxy: TcpProxy) => void = () => {}): CountersRig {
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
    ready(proxy);
  });
  afterEach(() => proxy.restore());
  afterAll(async () => {
    for (const l of links) l.close();
    proxy.close();
    await deleteKeys(prefix);
    for (const p of ownPrefixes) await deleteKeys(p);
  });

  let scopeN = 0;
  const scope = (over: Partial<ScopeLimits> = {}): ScopeLimits => ({
    key: `c:${++scopeN}`, label: "key 'k'", allow: null, budgetUsd: null, period: 'month', rpm: null, tpm: null, maxParallel: null, ...over,
  });

  async function instance(failMode: 'open' | 'closed' = 'open', url = REDIS_URL, own = prefix): Promise<RedisLimitCounters> {
    if (own !== prefix && !ownPrefixes.includes(own)) ownPrefixes.push(own);
    const link = new RedisLink(url, own, TEST_LINK).start();
    links.push(link);
    expect(await link.whenUp(5_000)).toBe(true);
    return new RedisLimitCounters(link, failMode);
  }

  let n = 0;
  const admit = async (c: LimitCounters, scopes: ScopeLimits[], now: number, worstCostUsd = 0, tokens = 0): Promise<Admission> =>
    c.admit({ requestId: `r${++n}-${prefix}`, scopes, worstCostUsd, tokens, now });
  return { prefix, links, scope, instance, sweptInstance, admit };
}
