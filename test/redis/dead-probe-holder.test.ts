/**
 * A probe held by an instance that died (kill -9: its Redis connections close, it never reports the
 * probe's outcome nor gives it back) must not keep the others off for ever: a half-open circuit's
 * probe token (circuit-probe:<k>) lives one cool-down, a key's probe hold (key-state, p = 1) ends at
 * its hold time; then a survivor claims the probe itself and, on an answer, serves again.
 * The dying instance is a gateway of this process whose Redis link is closed while its probe hangs
 * at the upstream: what Redis sees of a killed process. A Redis server of the test's own.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { RedisKeyStateStore } from '../../src/redis/redis-key-state-store';
import { RedisLink } from '../../src/redis/redis-link';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { eventually, TEST_LINK } from '../helpers/redis-env';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { startOwnRedis, type OwnRedis } from '../cluster/own-redis';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

/** Long enough for a loaded machine to see the circuit open, and A to ask while D's probe token lives. */
const COOLDOWN_MS = 5_000;
let redis: OwnRedis;
let grok: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let D: TestGateway;
let mode: 'fail' | 'ok' | 'hang' = 'fail';
const never = Promise.withResolvers<void>();

beforeAll(async () => {
  redis = await startOwnRedis();
  grok = startFakeUpstream(async () => {
    if (mode === 'fail') return jsonResponse({ error: { message: 'The model is overloaded.' } }, 503);
    if (mode === 'hang') {
      mode = 'fail';
      await never.promise;
    }
    return jsonResponse(fixtureJson('grok', 'chat.json'));
  });
  cluster = await startCluster(2, {
    redisUrl: redis.url, env: providerEnv('grok', `${grok.url}/v1`),
    each: () => ({ breakers: createBreakerRegistry({ cooldownMs: COOLDOWN_MS }) }),
  });
  [A, D] = cluster.nodes as [TestGateway, TestGateway];
});
afterAll(async () => {
  never.resolve();
  await cluster?.close();
  grok?.close();
  await redis?.close();
});

const MODEL = 'grok-4.3';
const KEY = `grok/${MODEL}`;
const chat = (gw: TestGateway) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }) });
const stateOn = (gw: TestGateway) => gw.ctx.breakers.list().find((c) => c.key === KEY)?.state ?? 'closed';

// The two cases wait out their own clocks side by side (test.concurrent): the second uses links
// and a prefix of its own, none of the cluster.
test.concurrent("a half-open circuit whose probe went out on an instance that then died: the others probe after the cool-down", async () => {
  for (let i = 0; i < 5; i++) expect((await chat(D)).status).toBe(502);
  expect(await eventually(() => stateOn(A) === 'open', 10_000)).toBe(true);
  expect(await eventually(() => stateOn(A) === 'half_open' && stateOn(D) === 'half_open', COOLDOWN_MS * 3)).toBe(true);

  // D's probe reaches the upstream and hangs there; D dies with it (its Redis connection closes).
  mode = 'hang';
  const calls = grok.requests.length;
  void chat(D).catch(() => {});
  expect(await eventually(() => grok.requests.length === calls + 1, 10_000)).toBe(true);
  const probeKey = A.ctx.redis!.key(`circuit-probe:${KEY}`);
  expect(await A.ctx.redis!.send('GET', [probeKey])).toBe(D.ctx.redis!.origin);
  D.ctx.redis!.close();

  // The probe is out elsewhere: A sends nothing meanwhile.
  const meanwhile = await chat(A);
  expect(meanwhile.status).toBe(503);
  expect(((await meanwhile.json()) as any).error.code).toBe('circuit_open');
  expect(grok.requests.length).toBe(calls + 1);

  // Bounded by the cool-down: A claims the probe D never reported, and it closes the circuit.
  mode = 'ok';
  expect(await eventually(async () => (await chat(A)).status === 200, COOLDOWN_MS * 4, 100)).toBe(true);
  expect(stateOn(A)).toBe('closed');
  // A gives the token back in a write of its own (not awaited by the answer).
  expect(await eventually(async () => (await A.ctx.redis!.send('EXISTS', [probeKey])) === 0, 5_000)).toBe(true);
});

test.concurrent("a key's probe claimed by an instance that then died: the hold ends by itself, a survivor probes the key", async () => {
  const link = (p: string) => new RedisLink(redis.url, p, TEST_LINK).start();
  const prefix = 'qa-crash-keyprobe:';
  const linkA = link(prefix);
  const linkD = link(prefix);
  const A2 = new RedisKeyStateStore(linkA);
  const D2 = new RedisKeyStateStore(linkD);
  try {
    expect(await linkA.whenUp(5_000)).toBe(true);
    expect(await linkD.whenUp(5_000)).toBe(true);
    // A 429 rested the key; its cooldown ended; D claims the probe (held a short while here).
    const now = Date.now();
    D2.coolUntil('openai', 'k1', now - 1, now - 1_000);
    // Long enough for A to see the hold on a loaded machine (CI): what is checked is that it ends.
    const hold = Date.now() + 5_000;
    expect(D2.claimProbe('openai', 'k1', Date.now(), hold)).toBe(true);
    expect(await eventually(() => A2.get('openai', 'k1', Date.now()).state === 'cooling', 4_000)).toBe(true);
    // D dies before its probe answers: nothing ends the hold but its time.
    linkD.close();
    if (Date.now() < hold - 500) expect(A2.claimProbe('openai', 'k1', Date.now(), Date.now() + 10_000)).toBe(false);
    expect(await eventually(() => A2.claimProbe('openai', 'k1', Date.now(), Date.now() + 10_000), 10_000, 50)).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(hold);
    expect(await eventually(async () => {
      const [s, p] = (await linkA.send('HMGET', [linkA.key('key-state:openai:k1'), 's', 'p'])) as string[];
      return s === 'cooling' && p === '1';
    }, 2_000)).toBe(true);
    A2.answered('openai', 'k1');
    expect(await eventually(() => A2.get('openai', 'k1', Date.now()).state === 'active', 10_000)).toBe(true);
  } finally {
    linkA.close();
    linkD.close();
  }
});
