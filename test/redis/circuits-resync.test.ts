/**
 * Shared circuits across re-reads of Redis (start, reconnection): a circuit an instance opened
 * while cut off stays open once Redis is back and the others learn it; a circuit opened elsewhere
 * while two re-reads overlap stays open.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { RedisLink } from '../../src/redis/redis-link';
import { shareBreakers, type SharedBreakers } from '../../src/redis/shared-breakers';
import { deleteKeys, eventually, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { holdScan } from '../helpers/redis-scan-hold';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let proxy: TcpProxy;
let linkA: RedisLink;
let linkB: RedisLink;
let A: SharedBreakers;
let B: SharedBreakers;

beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
  linkA = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
  // B reaches Redis through a proxy the test cuts.
  linkB = new RedisLink(proxy.url, prefix, TEST_LINK).start();
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
  expect(await eventually(() => A.state(P) === 'open', 10_000)).toBe(true);
  expect(await linkA.send('HGET', [linkA.key(`circuit:${P}`), 'at'])).not.toBeNull();
  await B.resync();
  expect(B.state(P)).toBe('open');
});

test('a circuit opened elsewhere while two re-reads overlap stays open after the first one ends', async () => {
  const p = 'overlap-test' as any;
  // B's first re-read misses this circuit (a key created during a SCAN may not be returned) and
  // waits after its first page; a second re-read runs meanwhile.
  const scan = holdScan(linkB, 'overlap-test', 'first');
  try {
    const firstRead = B.resync();
    expect(scan.waiting).toBe(false);
    await B.resync();
    for (let i = 0; i < A.threshold; i++) A.onFailure(p, 'm1', { providerWide: true });
    expect(await eventually(() => B.state(p) === 'open', 10_000)).toBe(true);
    scan.release();
    await firstRead;
    expect(B.state(p)).toBe('open');
  } finally {
    scan.restore();
  }
});
