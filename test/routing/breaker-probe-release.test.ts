/**
 * A half-open circuit lets one probe through. A request that takes the probe but never reaches the
 * upstream (refused before the call, or its client leaves before the upstream answered) reports
 * neither success nor failure: it must give the probe back, or the circuit stays shut for another
 * whole cool-down although nothing was learnt. Real gateway (breakers on a test clock), fake xAI
 * upstream on loopback, plain HTTP.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';

const clock = { t: 1_000_000 };
const breakers = createBreakerRegistry({ now: () => clock.t });
let grok: FakeUpstream;
let gw: TestGateway;
/** What the fake answers: 503 overloaded, the recorded completion, or nothing until `hold` resolves. */
let mode: 'fail' | 'ok' | 'hold' = 'fail';
let hold = Promise.withResolvers<void>();

beforeAll(async () => {
  grok = startFakeUpstream(async (req, _rec, fake) => {
    if (mode === 'fail') return jsonResponse({ error: { message: 'The model is overloaded.' } }, 503);
    if (mode === 'hold') await Promise.race([hold.promise, new Promise((r) => req.signal.addEventListener('abort', () => r(fake.noteAbort())))]);
    return jsonResponse(fixtureJson('grok', 'chat.json'));
  });
  gw = await startGateway({ env: providerEnv('grok', `${grok.url}/v1`), breakers });
});
afterAll(async () => {
  await gw.close();
  grok.close();
});
beforeEach(() => {
  breakers.reset();
  mode = 'fail';
  hold = Promise.withResolvers<void>();
});

const MODEL = 'grok-4.3';
const chat = (extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', signal, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra }) });

/** Five 503s open the model's circuit; the clock then moves past the cool-down: half-open. */
async function halfOpen() {
  for (let i = 0; i < 5; i++) expect((await chat()).status).toBe(502);
  const refused = await chat();
  expect((await refused.json()).error.code).toBe('circuit_open');
  clock.t += 30_000;
  expect(breakers.list().find((c) => c.key === `grok/${MODEL}`)?.state).toBe('half_open');
}

test('a probe refused before the call (400 unsupported_parameter) gives the slot back: the next request probes at once', async () => {
  await halfOpen();
  const calls = grok.requests.length;
  // xAI's reasoning models take no stop sequences: refused by the gateway, nothing sent.
  const refused = await chat({ stop: ['END'] });
  expect(refused.status).toBe(400);
  expect((await refused.json()).error.code).toBe('unsupported_parameter');
  expect(grok.requests.length).toBe(calls);

  mode = 'ok';
  const probe = await chat();
  expect(probe.status).toBe(200);
  expect(grok.requests.length).toBe(calls + 1);
  expect(breakers.list()).toEqual([]);
});

test('a probe whose client left before the upstream answered (499) gives the slot back', async () => {
  await halfOpen();
  mode = 'hold';
  const calls = grok.requests.length;
  const aborts = grok.aborts;
  const gone = new AbortController();
  const leaving = chat({}, gone.signal).catch(() => null);
  while (grok.requests.length === calls) await Bun.sleep(5);
  gone.abort();
  await leaving;
  await grok.waitForAbort(aborts + 1);
  // The gateway saw the client leave (its row says 499) before the upstream answered.
  expect(await eventually(() => gw.logs.some((r) => r.status === 499 && r.errorType === 'client_closed_request'), 5_000)).toBe(true);

  mode = 'ok';
  const probe = await chat();
  expect(probe.status).toBe(200);
  expect(grok.requests.length).toBe(calls + 2);
  expect(breakers.list()).toEqual([]);
});

test('a probe refused for want of an upstream slot (503 overloaded) gives the slot back', async () => {
  const own = createBreakerRegistry({ now: () => clock.t });
  const one = await startGateway({
    env: { ...providerEnv('grok', `${grok.url}/v1`), LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '1', LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: '0.05' },
    breakers: own,
  });
  const call = (model: string) =>
    one.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  try {
    for (let i = 0; i < 5; i++) expect((await call(MODEL)).status).toBe(502);
    clock.t += 30_000;
    expect(own.list().find((c) => c.key === `grok/${MODEL}`)?.state).toBe('half_open');

    // Another model's request holds the only upstream slot; the probe waits for it in vain.
    mode = 'hold';
    const calls = grok.requests.length;
    const holding = call('grok-3-mini');
    while (grok.requests.length === calls) await Bun.sleep(5);
    const waited = await call(MODEL);
    expect(waited.status).toBe(503);
    expect((await waited.json()).error.code).toBe('overloaded');
    hold.resolve();
    expect((await holding).status).toBe(200);

    mode = 'ok';
    expect((await call(MODEL)).status).toBe(200);
    expect(grok.requests.length).toBe(calls + 2);
  } finally {
    await one.close();
  }
});
