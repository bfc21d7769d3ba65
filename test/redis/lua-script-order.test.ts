/**
 * Fire-and-forget script writes of one instance reach Redis in the order they were sent, also
 * after Redis restarted empty (its scripts gone). A script run before the restart was sent by its
 * SHA, answered NOSCRIPT and sent again in full after that answer, behind a write sent meanwhile:
 * a key's probe claim was so overwritten by the cooldown sent before it (dead-probe-holder failed
 * in a full run, where an earlier file had run the cooldown's script). A Redis server of the test's own.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { LuaScript } from '../../src/redis/lua-script';
import { RedisLink } from '../../src/redis/redis-link';
import { eventually, TEST_LINK } from '../helpers/redis-env';
import { startOwnRedis, type OwnRedis } from '../cluster/own-redis';

let redis: OwnRedis;
let link: RedisLink;

beforeAll(async () => {
  redis = await startOwnRedis();
  link = new RedisLink(redis.url, 'gg-qa-lua-order:', TEST_LINK).start();
  expect(await link.whenUp(10_000)).toBe(true);
});
afterAll(async () => {
  link?.close();
  await redis?.close();
});

// Two scripts writing one key: which ran last is what the key holds.
const FIRST = new LuaScript(`redis.call('SET', KEYS[1], ARGV[1]) return 1`);
const SECOND = new LuaScript(`redis.call('SET', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], 600000) return 1`);

test('after Redis restarted empty, a write sent after another (by a script it ran before) is the one kept', async () => {
  const key = link.key('order');
  await FIRST.run(link, [key], ['loaded']);
  await redis.kill();
  expect(await eventually(() => !link.isUp())).toBe(true);
  await redis.start();
  expect(await eventually(() => link.isUp())).toBe(true);
  // Sent one after the other without waiting, as a cooldown and then a probe's claim are.
  const sent = [FIRST.run(link, [key], ['first']), SECOND.run(link, [key], ['second'])];
  await Promise.all(sent);
  expect(await link.send('GET', [key])).toBe('second');
  // And on the same connection, once loaded: still in order, by SHA.
  await Promise.all([SECOND.run(link, [key], ['third']), FIRST.run(link, [key], ['fourth'])]);
  expect(await link.send('GET', [key])).toBe('fourth');
});
