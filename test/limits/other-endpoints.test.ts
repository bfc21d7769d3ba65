/**
 * Limits on the endpoints that came after chat, responses and images: /v1/embeddings,
 * /v1/messages and /v1/messages/count_tokens go through the same prelude, so a limited key is
 * admitted, refused (in the endpoint's own error shape) and settled there too. Settling finds the
 * reservation by the row's request id: an endpoint that logged under another id would keep its
 * max_parallel slot, so the second call of a max_parallel: 1 key would be refused.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from './limits-helpers';

setDefaultTimeout(30_000);

let gw: TestGateway;
const clock = { now: Date.parse('2026-03-10T12:00:00Z') };
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' }, limitsClock: () => clock.now });
}, 30_000);
afterAll(() => gw.close());

const anthropic = (key: string) => new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
const message = { model: 'mock/echo', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] };

test('a max_parallel: 1 key calls embeddings, messages and count_tokens one after another: each settles its slot', async () => {
  const c = await limitedClient(gw, 'serial', { maxParallel: 1, rpm: 100 });
  const openai = gw.openai(c.key);
  for (let i = 0; i < 3; i++) {
    const { data, response } = await openai.embeddings.create({ model: 'mock/embed', input: `text ${i}` }).withResponse();
    expect(data.data).toHaveLength(1);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect((await gw.waitForRow(response)).endpoint).toBe('embeddings');

    const { response: msgRes } = await anthropic(c.key).messages.create(message).withResponse();
    expect(msgRes.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect((await gw.waitForRow(msgRes)).endpoint).toBe('messages');

    const { response: countRes } = await anthropic(c.key).messages.countTokens({ model: 'mock/echo', messages: message.messages }).withResponse();
    expect((await gw.waitForRow(countRes)).endpoint).toBe('count_tokens');
  }
});

test('a refused request on /v1/messages is Anthropic-shaped: model not allowed (403) and rate (429 with retry-after)', async () => {
  const narrow = await limitedClient(gw, 'narrow', { models: ['openai/*'] });
  const refused = await anthropic(narrow.key).messages.create(message).catch((e) => e);
  expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError);
  expect(refused.error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });

  const slow = await limitedClient(gw, 'one-rpm', { rpm: 1 });
  await anthropic(slow.key).messages.create(message);
  const limited = await anthropic(slow.key).messages.create(message).catch((e) => e);
  expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
  expect(limited.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
});

test('a model outside the allow-list is refused on embeddings too', async () => {
  const narrow = await limitedClient(gw, 'narrow-embed', { models: ['openai/*'] });
  const err = await gw.openai(narrow.key).embeddings.create({ model: 'mock/embed', input: 'x' }).catch((e) => e);
  expect([err.status, err.code]).toEqual([403, 'model_not_allowed']);
});

