/**
 * A circuit an instance opened while cut off from Redis: once Redis is back the re-read no longer
 * closes it there, and the other instances (and Redis) learn it.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { RedisLink } from '../../src/redis/redis-link';
import { shareBreakers, type SharedBreakers } from '../../src/redis/shared-breakers';
import { deleteKeys, eventually, randomPrefix, REDIS_URL } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let proxy: TcpProxy;
let linkA: RedisLink;
let linkB: RedisLink;
let A: SharedBreakers;
let B: SharedBreakers;

beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
  linkA = new RedisLink(REDIS_URL, prefix, { retryMs: 50, pingMs: 200 }).start();
  // B reaches Redis through a proxy the test cuts.
  linkB = new RedisLink(proxy.url, prefix, { retryMs: 50, pingMs: 200 }).start();
  A = shareBreakers(createBreakerRegistry({ failureThreshold: 3, cooldownMs: 60_000 }), linkA);
  B = shareBreakers(createBreakerRegistry({ failureThreshold: 3, cooldownMs: 60_000 }), linkB);
  expect(await linkA.whenUp(5_000)).toBe(true);
  expect(await linkB.whenUp(5_000)).toBe(true);
});
afterAll(async () => {
  linkA?.close();
  linkB?.close();
  proxy?.close();
  await deleteKeys(prefix);
});

const P = 'down-test' as any;

test('a circuit opened while Redis was down stays open after reconnection and opens on the other instances', async () => {
  proxy.cut();
  expect(await eventually(() => !linkB.isUp(), 5_000)).toBe(true);
  for (let i = 0; i < B.threshold; i++) B.onFailure(P, 'm1', { providerWide: true });
  expect(B.state(P)).toBe('open');
  expect(A.state(P)).toBe('closed');

  proxy.restore();
  expect(await linkB.whenUp(5_000)).toBe(true);
  expect(await eventually(() => A.state(P) === 'open', 3_000)).toBe(true);
  expect(await linkA.send('HGET', [linkA.key(`circuit:${P}`), 'at'])).not.toBeNull();
  await B.resync();
  expect(B.state(P)).toBe('open');
});
