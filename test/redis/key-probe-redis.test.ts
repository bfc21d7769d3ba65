/**
 * The probe of a key back from its cooldown, shared through Redis: the instance that claims it
 * holds the key for every instance until the probe answers; a claim that loses the race to
 * another instance's takes that one's hold.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisKeyStateStore } from '../../src/redis/redis-key-state-store';
import { RedisLink } from '../../src/redis/redis-link';
import { deleteKeys, eventually, randomPrefix, REDIS_URL, TEST_LINK } from '../helpers/redis-env';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let linkA: RedisLink;
let linkB: RedisLink;
let A: RedisKeyStateStore;
let B: RedisKeyStateStore;

beforeAll(async () => {
  linkA = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
  linkB = new RedisLink(REDIS_URL, prefix, TEST_LINK).start();
  A = new RedisKeyStateStore(linkA);
  B = new RedisKeyStateStore(linkB);
  expect(await linkA.whenUp(5_000)).toBe(true);
  expect(await linkB.whenUp(5_000)).toBe(true);
});
afterAll(async () => {
  linkA?.close();
  linkB?.close();
  await deleteKeys(prefix);
});

const record = (keyId: string) => linkA.send('HMGET', [linkA.key(`key-state:openai:${keyId}`), 's', 'p']);
const due = (s: RedisKeyStateStore, keyId: string) => {
  const st = s.get('openai', keyId, Date.now());
  return st.state === 'active' && st.probeDue === true;
};

test('A claims the probe of a key back from its cooldown: B keeps off it until the probe answers', async () => {
  const ended = Date.now() - 1;
  A.coolUntil('openai', 'k1', ended);
  expect(await eventually(() => due(B, 'k1'), 10_000)).toBe(true);
  const now = Date.now();
  expect(A.claimProbe('openai', 'k1', now, now + 60_000)).toBe(true);
  expect(A.claimProbe('openai', 'k1', now, now + 60_000)).toBe(false); // one probe per instance too
  expect(await eventually(() => B.get('openai', 'k1', Date.now()).state === 'cooling', 10_000)).toBe(true);
  expect(B.get('openai', 'k1', Date.now())).toEqual({ state: 'cooling', until: now + 60_000, probe: true });
  expect(B.claimProbe('openai', 'k1', Date.now(), Date.now() + 60_000)).toBe(false);
  expect(await record('k1')).toEqual(['cooling', '1']);

  A.answered('openai', 'k1');
  expect(await eventually(async () => (await record('k1'))[0] === null, 10_000)).toBe(true);
  expect(await eventually(() => B.get('openai', 'k1', Date.now()).state === 'active' && !due(B, 'k1'), 10_000)).toBe(true);
});

test('both instances claim at once: they end up holding the key alike, with the claim Redis took first', async () => {
  A.coolUntil('openai', 'k2', Date.now() - 1);
  expect(await eventually(() => due(B, 'k2'), 10_000)).toBe(true);
  const now = Date.now();
  expect(A.claimProbe('openai', 'k2', now, now + 60_000)).toBe(true);
  // B claims before A's notice reached it (its mirror still says due): its own probe goes (two
  // probes at most, one per instance), and the claim Redis ran second takes the first one's hold.
  expect(B.claimProbe('openai', 'k2', now, now + 30_000)).toBe(true);
  const until = (s: RedisKeyStateStore) => (s.get('openai', 'k2', Date.now()) as { until?: number }).until;
  expect(await eventually(() => until(A) === until(B), 10_000)).toBe(true);
  expect([now + 60_000, now + 30_000]).toContain(until(A)!);
  expect(A.get('openai', 'k2', Date.now())).toMatchObject({ state: 'cooling', probe: true });
});

test('a 429 during the probe replaces its hold everywhere; an answer then does not end that cooldown', async () => {
  A.coolUntil('openai', 'k3', Date.now() - 1);
  expect(await eventually(() => due(A, 'k3'), 10_000)).toBe(true);
  const now = Date.now();
  expect(A.claimProbe('openai', 'k3', now, now + 60_000)).toBe(true);
  A.coolUntil('openai', 'k3', now + 5_000); // the probe was refused: a shorter cooldown than the hold, still it wins
  expect(await eventually(() => B.get('openai', 'k3', Date.now()).state === 'cooling' && !(B.get('openai', 'k3', Date.now()) as any).probe, 10_000)).toBe(true);
  expect(B.get('openai', 'k3', Date.now())).toEqual({ state: 'cooling', until: now + 5_000 });
  B.answered('openai', 'k3');
  await Bun.sleep(100);
  expect(await record('k3')).toEqual(['cooling', '0']);
  expect(A.get('openai', 'k3', Date.now()).state).toBe('cooling');
});

test('a set-aside key that answers a try sent after its 401 is active again on every instance', async () => {
  const t = Date.now();
  A.setAside('openai', 'k4', t);
  expect(await eventually(() => B.get('openai', 'k4', Date.now()).state === 'set_aside', 10_000)).toBe(true);
  B.answered('openai', 'k4', t - 1); // sent before the 401: proves nothing
  B.answered('openai', 'k4', t + 1);
  expect(await eventually(() => A.get('openai', 'k4', Date.now()).state === 'active', 10_000)).toBe(true);
  expect(await record('k4')).toEqual([null, null]);
});
