/**
 * A half-open circuit shared through Redis lets one probe through across the instances: while A's
 * probe is at the upstream, B refuses (503 circuit_open) without a call; once it succeeds the
 * circuit is closed everywhere. A probe given back (refused before the call) frees the slot for
 * every instance at once. Two gateways, one Redis, a fake xAI upstream on loopback, plain HTTP.
 * The cool-down is short (5 s) so the test waits for half-open instead of moving a clock, yet long
 * enough for a loaded machine to see the circuit open, and B to ask while A's probe token lives.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

let grok: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let B: TestGateway;
/** What the fake answers: 503 overloaded, the recorded completion, or (once) that completion when `hold` resolves. */
let mode: 'fail' | 'ok' | 'hold' = 'fail';
const hold = Promise.withResolvers<void>();

beforeAll(async () => {
  grok = startFakeUpstream(async () => {
    if (mode === 'fail') return jsonResponse({ error: { message: 'The model is overloaded.' } }, 503);
    if (mode === 'hold') {
      // Only the first request is held (the probe); another that got through fails at once.
      mode = 'fail';
      await hold.promise;
    }
    return jsonResponse(fixtureJson('grok', 'chat.json'));
  });
  cluster = await startCluster(2, { env: providerEnv('grok', `${grok.url}/v1`), each: () => ({ breakers: createBreakerRegistry({ cooldownMs: 5_000 }) }) });
  [A, B] = cluster.nodes as [TestGateway, TestGateway];
});
afterAll(async () => {
  hold.resolve();
  await cluster?.close();
  grok?.close();
});

const MODEL = 'grok-4.3';
const KEY = `grok/${MODEL}`;
const chat = (gw: TestGateway, extra: Record<string, unknown> = {}) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra }) });
const stateOn = (gw: TestGateway) => gw.ctx.breakers.list().find((c) => c.key === KEY)?.state ?? 'closed';

test('one probe across instances: B waits for the probe A sent, then both serve', async () => {
  for (let i = 0; i < 5; i++) expect((await chat(A)).status).toBe(502);
  expect(await eventually(() => stateOn(B) === 'open', 10_000)).toBe(true);
  expect(await eventually(() => stateOn(A) === 'half_open' && stateOn(B) === 'half_open', 15_000)).toBe(true);

  // B takes the probe and gives it back: refused before the call (xAI reasoning models take no stop).
  const calls = grok.requests.length;
  const refused = await chat(B, { stop: ['END'] });
  expect((await refused.json()).error.code).toBe('unsupported_parameter');
  const probeKey = B.ctx.redis!.key(`circuit-probe:${KEY}`);
  expect(await eventually(async () => (await B.ctx.redis!.send('EXISTS', [probeKey])) === 0, 10_000)).toBe(true);

  // A's probe goes out (the slot B gave back) and stays at the upstream.
  mode = 'hold';
  const probe = chat(A);
  expect(await eventually(() => grok.requests.length === calls + 1, 10_000)).toBe(true);

  // Meanwhile B sends nothing: the probe is out, on another instance.
  const meanwhile = await chat(B);
  expect(meanwhile.status).toBe(503);
  expect((await meanwhile.json()).error.code).toBe('circuit_open');
  expect(grok.requests.length).toBe(calls + 1);

  hold.resolve();
  expect((await probe).status).toBe(200);
  expect(await eventually(() => stateOn(B) === 'closed', 10_000)).toBe(true);
  mode = 'ok';
  expect((await chat(B)).status).toBe(200);
  expect(grok.requests.length).toBe(calls + 2);
});
