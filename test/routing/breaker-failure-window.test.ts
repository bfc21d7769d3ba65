/**
 * A closed circuit forgets its failures a window (ten cool-downs, 5 minutes by default) after the
 * last one, as the shared record in Redis expires: four failures of a model this morning and one
 * this afternoon are not five in a row, and an old closed circuit is not held (or listed) for ever.
 * Real gateway (breakers on a test clock), fake xAI upstream on loopback, plain HTTP.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createBreakerRegistry, failureWindowOf } from '../../src/routing/circuit-breaker';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const clock = { t: 1_000_000 };
const breakers = createBreakerRegistry({ now: () => clock.t });
let grok: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  grok = startFakeUpstream(() => jsonResponse({ error: { message: 'The model is overloaded.' } }, 503));
  gw = await startGateway({ env: providerEnv('grok', `${grok.url}/v1`), breakers });
});
afterAll(async () => {
  await gw.close();
  grok.close();
});

const chat = async (model: string) => {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  return (await res.json()).error?.code as string;
};

test('failures older than the window are forgotten: they neither add up to an opening nor stay held', async () => {
  expect(failureWindowOf(breakers.cooldownMs)).toBe(300_000);
  for (let i = 0; i < 4; i++) expect(await chat('grok-4.3')).toBe('upstream_error');
  expect(breakers.list().map((c) => [c.key, c.state, c.failures])).toEqual([['grok', 'closed', 4], ['grok/grok-4.3', 'closed', 4]]);

  clock.t += failureWindowOf(breakers.cooldownMs);
  // Held no longer: nothing listed, nothing kept.
  expect(breakers.list()).toEqual([]);
  expect(breakers.heldKeys()).toEqual([]);

  // One new failure is one, not five: the next request still reaches the upstream.
  expect(await chat('grok-4.3')).toBe('upstream_error');
  const calls = grok.requests.length;
  expect(await chat('grok-4.3')).toBe('upstream_error');
  expect(grok.requests.length).toBe(calls + 1);

  // Within the window failures still add up: 5 in a row open the model's circuit.
  clock.t += failureWindowOf(breakers.cooldownMs) - 1;
  for (let i = 0; i < 3; i++) expect(await chat('grok-4.3')).toBe('upstream_error');
  expect(await chat('grok-4.3')).toBe('circuit_open');
  // An open circuit is not forgotten by age: it waits for its probe.
  clock.t += failureWindowOf(breakers.cooldownMs);
  expect(breakers.list().find((c) => c.key === 'grok/grok-4.3')?.state).toBe('half_open');
});
