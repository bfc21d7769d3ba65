/**
 * The Anthropic SDK's `models.list()` / `models.retrieve()` against the gateway: Anthropic's
 * clients send `anthropic-version` (and may send the key as x-api-key), so /v1/models answers
 * them with Anthropic's ModelInfo page and errors; OpenAI's clients keep OpenAI's list.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';

let gw: TestGateway;
let client: Anthropic;
beforeAll(async () => {
  // OpenAI on (a loopback address nothing is sent to) so its seeded models, with context windows, are listed.
  gw = await startGateway({ env: { ...providerEnv('openai', 'http://127.0.0.1:9/v1'), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  client = anthropicClient(gw);
});
afterAll(() => gw.close());

/** The ids OpenAI's list shows, in its order: Anthropic's list must hold the same. */
const openaiIds = async () => (await gw.openai().models.list()).data.map((m) => m.id);

test('models.list(): every model and group as ModelInfo, paged by limit / after_id as Anthropic pages', async () => {
  const ids = await openaiIds();
  expect(ids).toContain('mock/echo');
  const firstPage = await client.models.list({ limit: 2 });
  expect(firstPage.data).toHaveLength(2);
  expect(firstPage.data[0]).toEqual({
    type: 'model', id: ids[0]!, display_name: ids[0]!, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    capabilities: null, lifecycle: 'active', deprecated_at: null, retires_at: null, line: null, max_input_tokens: gw.ctx.state.getSnapshot().models.get(ids[0]!)?.contextWindow ?? null, max_tokens: null,
  });
  expect(firstPage.has_more).toBe(ids.length > 2);
  // The SDK follows has_more / last_id through every page.
  const all: string[] = [];
  for await (const m of client.models.list({ limit: 3 })) all.push(m.id);
  expect(all).toEqual(ids);
  // before_id pages backwards.
  const before = await client.models.list({ before_id: ids[3]!, limit: 2 });
  expect(before.data.map((m) => m.id)).toEqual(ids.slice(1, 3));
});

test('models.retrieve(): one model or group; an unknown one is not_found_error', async () => {
  expect(await client.models.retrieve('mock/echo')).toMatchObject({ type: 'model', id: 'mock/echo', display_name: 'mock/echo', max_input_tokens: null });
  // A model of the models table carries its context window.
  const seeded = gw.ctx.state.getSnapshot().models.get('gpt-4o')!;
  expect(seeded.contextWindow).toBeGreaterThan(0);
  expect((await client.models.list({ limit: 1000 })).data.find((m) => m.id === 'gpt-4o')).toMatchObject({ max_input_tokens: seeded.contextWindow });
  expect((await client.models.retrieve('fast-flow')).id).toBe('fast-flow');
  const err = await client.models.retrieve('no-such-model').catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  expect(err.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  expect(err.errorCode).toBe('model_not_found');
});

test('errors in Anthropic shape: no key (naming x-api-key), a bad limit', async () => {
  const noKey = await fetch(`${gw.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
  expect(noKey.status).toBe(401);
  expect(await noKey.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('x-api-key'), details: { error_code: 'invalid_api_key' } } });
  const wrongKey = await anthropicClient(gw, 'sk-ant-not-a-gateway-key').models.list().catch((e) => e);
  expect(wrongKey).toBeInstanceOf(Anthropic.AuthenticationError);
  const bad = await client.models.list({ limit: 0 }).catch((e) => e);
  expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
  expect(bad.error.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('limit') });
});

test('OpenAI clients (no anthropic-version) keep OpenAI list and bearer auth', async () => {
  const res = await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': gw.clientKey } });
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ error: { type: 'authentication_error' } });
  const list = await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${gw.clientKey}` } })).json();
  expect(list.object).toBe('list');
});
