/**
 * One failing model opens its own circuit while its provider serves on (another of its models
 * answers in between): a client naming it gets 503 circuit_open, so that circuit must show where
 * operators look, beside the provider's closed one: /health, /metrics, /api/providers and the
 * Providers page. Real gateway with the default breakers, fake xAI upstream on loopback.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';

setDefaultTimeout(30_000);

let grok: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  // grok-4.3 fails, every other model answers.
  grok = startFakeUpstream((_req, rec) =>
    rec.body.model === 'grok-4.3' ? jsonResponse({ error: { message: 'model overloaded' } }, 503) : jsonResponse(fixtureJson('grok', 'chat.json')),
  );
  gw = await startGateway({ env: providerEnv('grok', `${grok.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  grok.close();
});

const call = (model: string) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });

test('an open model circuit is on /health, /metrics, /api/providers and the Providers page', async () => {
  for (let i = 0; i < 5; i++) {
    expect((await call('grok-4.3')).status).toBe(502);
    expect((await call('grok-3-mini')).status).toBe(200);
  }
  const refused = await call('grok-4.3');
  expect(refused.status).toBe(503);
  expect((await refused.json()).error.code).toBe('circuit_open');
  expect((await call('grok-3-mini')).status).toBe(200);

  const health = await (await fetch(`${gw.url}/health`)).json();
  expect(health.providers.grok).toMatchObject({ circuit: 'closed', model_circuits: [{ model: 'grok-4.3', circuit: 'open' }] });
  const retryAfter = health.providers.grok.model_circuits[0].retry_after_s;
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(30);
  expect(health.providers.openai.model_circuits).toEqual([]);

  const { samples } = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
  expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'grok', state: 'closed' })).toBe(1);
  expect(valueOf(samples, 'gophergate_model_circuit_state', { provider: 'grok', model: 'grok-4.3', state: 'open' })).toBe(1);
  expect(valueOf(samples, 'gophergate_model_circuit_state', { provider: 'grok', model: 'grok-4.3', state: 'closed' })).toBe(0);
  expect(valueOf(samples, 'gophergate_model_circuit_state', { model: 'grok-3-mini' })).toBe(0);

  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const view = await (await api(gw, 'GET', '/api/providers/grok', { as: admin })).json();
  expect(view).toMatchObject({ circuit: 'closed', model_circuits: [{ model: 'grok-4.3', circuit: 'open' }] });
  const page = await (await fetch(`${gw.url}/providers`, { headers: { cookie: admin.cookie } })).text();
  expect(page).toContain('grok-4.3 circuit open');

  // Reset by hand: gone everywhere.
  gw.ctx.breakers.reset('grok');
  const after = await (await fetch(`${gw.url}/health`)).json();
  expect(after.providers.grok.model_circuits).toEqual([]);
});
