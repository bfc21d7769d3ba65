/**
 * Shared provider-key states across a re-read of Redis (start, reconnection): a key set aside by
 * another instance during the read stays set aside, and changes made while Redis was down reach
 * Redis and the other instances once it is back instead of being undone by the re-read.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisKeyStateStore } from '../../src/redis/redis-key-state-store';
import { RedisLink } from '../../src/redis/redis-link';
import { deleteKeys, eventually, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';
import { holdScan } from '../helpers/redis-scan-hold';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let proxy: TcpProxy;
let linkA: RedisLink;
let linkB: RedisLink;
let A: RedisKeyStateStore;
let B: RedisKeyStateStore;

beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
  linkA = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
  // B reaches Redis through a proxy the tests cut.
  linkB = new RedisLink(proxy.url, prefix, TEST_LINK).start();
  A = new RedisKeyStateStore(linkA);
  B = new RedisKeyStateStore(linkB);
  expect(await linkA.whenUp(5_000)).toBe(true);
  expect(await linkB.whenUp(5_000)).toBe(true);
});
afterAll(async () => {
  linkA?.close();
  linkB?.close();
  proxy?.close();
  await deleteKeys(prefix);
});

const state = (s: RedisKeyStateStore, keyId: string) => s.get('openai', keyId, Date.now()).state;
const record = async (keyId: string) => linkA.send('HGET', [linkA.key(`key-state:openai:${keyId}`), 's']);

describe('key states re-read from Redis', () => {
  test('a key set aside elsewhere while an instance re-reads the shared states stays set aside there', async () => {
    // A key created during a SCAN may or may not be returned (Redis's guarantee): B's scan misses
    // this one, and its last page comes only once A's notice reached B, as on a busy Redis.
    const scan = holdScan(linkB, 'during-read', 'last');
    try {
      const resync = B.resync();
      A.setAside('openai', 'during-read', Date.now());
      expect(await eventually(() => state(B, 'during-read') === 'set_aside', 10_000)).toBe(true);
      scan.release();
      await resync;
      expect(state(B, 'during-read')).toBe('set_aside');
    } finally {
      scan.restore();
    }
  });

  test('a key set aside elsewhere while two re-reads overlap stays set aside after the first one ends', async () => {
    // B's first re-read misses this key and waits after its first page; a second re-read runs meanwhile.
    const scan = holdScan(linkB, 'overlap', 'first');
    try {
      const firstRead = B.resync();
      expect(await eventually(() => !scan.waiting, 10_000)).toBe(true);
      await B.resync();
      A.setAside('openai', 'overlap', Date.now());
      expect(await eventually(() => state(B, 'overlap') === 'set_aside', 10_000)).toBe(true);
      scan.release();
      await firstRead;
      expect(state(B, 'overlap')).toBe('set_aside');
    } finally {
      scan.restore();
    }
  });

  test('changes made while Redis was down are sent once it is back, not undone by the re-read', async () => {
    A.setAside('openai', 'cleared-while-down', Date.now());
    expect(await eventually(() => state(B, 'cleared-while-down') === 'set_aside', 10_000)).toBe(true);

    proxy.cut();
    expect(await eventually(() => !linkB.isUp(), 5_000)).toBe(true);
    B.setAside('openai', 'bad-while-down', Date.now());
    B.coolUntil('openai', 'slow-while-down', Date.now() + 600_000);
    // An admin changed this key on B: it starts active again.
    B.clear('openai', 'cleared-while-down');

    proxy.restore();
    expect(await linkB.whenUp(5_000)).toBe(true);
    // The other instance learns them, and so does Redis (for instances started later).
    expect(await eventually(() => state(A, 'bad-while-down') === 'set_aside', 10_000)).toBe(true);
    expect(await eventually(() => state(A, 'slow-while-down') === 'cooling', 10_000)).toBe(true);
    expect(await eventually(() => state(A, 'cleared-while-down') === 'active', 10_000)).toBe(true);
    expect(await record('bad-while-down')).toBe('set_aside');
    expect(await record('slow-while-down')).toBe('cooling');
    expect(await record('cleared-while-down')).toBeNull();
    // And B's own re-read kept them.
    await B.resync();
    expect(state(B, 'bad-while-down')).toBe('set_aside');
    expect(state(B, 'slow-while-down')).toBe('cooling');
    expect(state(B, 'cleared-while-down')).toBe('active');
  });
});
