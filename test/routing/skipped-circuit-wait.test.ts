/**
 * A group whose first target routing left out for its open circuit, and whose other targets then
 * fail with no wait of their own (5xx without retry-after): the client is told when the open
 * one's probe is due, as README's "the gateway's own (… an open circuit's probe)" says; before,
 * it got no retry-after at all, and its SDK retried at once into the same failures.
 */
import { beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { jsonResponse, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { api, ADMIN_PASSWORD, login } from '../helpers/admin-harness';
import { useRoutingFakes, type P } from './routing-fakes';

setDefaultTimeout(30_000);

const fail500: FakeHandler = () => jsonResponse({ error: { message: 'internal error', type: 'server_error' } }, 500);
let fakes: Record<P, FakeUpstream>;
let gw: TestGateway;
let clock = 1_000_000;
const breakers = createBreakerRegistry({ failureThreshold: 2, cooldownMs: 30_000, now: () => clock });

useRoutingFakes(async (rig) => {
  ({ fakes, gw } = rig);
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const r = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'three-way', strategy: 'heuristic', targets: ['deepseek-v4-flash', 'gpt-5.4-nano', 'kimi-k2.6'] } });
  expect(r.status).toBe(201);
}, { breakers });

beforeEach(async () => {
  breakers.reset();
  // deepseek-v4-flash's circuit opens, then 20 of its 30 s pass: its probe is 10 s away.
  fakes.deepseek.handler = fail500;
  for (let i = 0; i < 2; i++) await apiError(gw.openai().chat.completions.create({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'hi' }] }));
  clock += 20_000;
  fakes.openai.handler = fail500;
  fakes.moonshot.handler = fail500;
});

test('chat: the 502 carries the open target’s probe time', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'three-way', messages: [{ role: 'user', content: 'hi' }] }));
  expect(err.status).toBe(502);
  expect(err.headers?.get('retry-after')).toBe('10');
  expect(err.headers?.get('retry-after-ms')).toBe('10000');
  expect(fakes.deepseek.requests.length).toBe(2); // left out, not tried
  const row = await gw.waitForRow(err);
  expect(JSON.parse(row.attempts!).map((a: { model: string }) => a.model)).toEqual(['gpt-5.4-nano', 'kimi-k2.6']);
});

test('/v1/messages: the same wait in Anthropic’s shape', async () => {
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await anthropic.messages.create({ model: 'three-way', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect(err.headers.get('retry-after')).toBe('10');
});

test('a target that named its own wait still wins over the open circuit', async () => {
  fakes.openai.handler = () => jsonResponse({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '40' });
  const err = await apiError(gw.openai().chat.completions.create({ model: 'three-way', messages: [{ role: 'user', content: 'hi' }] }));
  expect(err.headers?.get('retry-after')).toBe('40');
});

test('every target open: 503 circuit_open with the soonest probe, exact in retry-after-ms too', async () => {
  // gpt-5.4-nano and kimi-k2.6 open now (probes 30 s away); deepseek-v4-flash's is 10 s away.
  for (const model of ['gpt-5.4-nano', 'kimi-k2.6']) {
    for (let i = 0; i < 2; i++) await apiError(gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }));
  }
  const err = await apiError(gw.openai().chat.completions.create({ model: 'three-way', messages: [{ role: 'user', content: 'hi' }] }));
  expect(err.status).toBe(503);
  expect(err.code).toBe('circuit_open');
  expect(err.headers?.get('retry-after')).toBe('10');
  expect(err.headers?.get('retry-after-ms')).toBe('10000');
});
