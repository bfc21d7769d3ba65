/**
 * The commonest first mistake with the SDKs: the OpenAI SDK given the gateway's root as its base
 * URL (it then calls /chat/completions and lists models at GET /models, which is the dashboard's
 * Models page), or the Anthropic SDK given `…/v1` (it calls /v1/v1/messages). The 404 says which
 * base URL fits, and the model list fails instead of reading the sign-in page as an empty list.
 */
import { expect, test } from 'bun:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

test('OpenAI SDK without /v1: chat is a 404 saying the API is under /v1', async () => {
  const openai = new OpenAI({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await openai.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.error).toMatchObject({ code: 'not_found', type: 'invalid_request_error' });
  expect(err.message).toContain('Invalid URL (POST /chat/completions). The API is under /v1');
});

test('OpenAI SDK without /v1: models.list() fails with the same hint, not an empty list read off the sign-in page', async () => {
  const openai = new OpenAI({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await openai.models.list().then((page) => page.data, (e) => e);
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.message).toContain('Invalid URL (GET /models). The API is under /v1');
});

test('Anthropic SDK given …/v1: a 404 in its shape saying /v1 came twice', async () => {
  const anthropic = new Anthropic({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await anthropic.messages.create({ model: 'mock/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  expect(err.error.error.type).toBe('not_found_error');
  expect(err.error.error.message).toContain('Invalid URL (POST /v1/v1/messages). The path holds /v1 twice');
});

test('the dashboard is unchanged for a browser, and other unknown routes get no hint', async () => {
  const page = await fetch(`${gw.url}/models`, { redirect: 'manual' });
  expect([page.status, page.headers.get('location')]).toEqual([303, '/login']);
  const edits = await gw.fetch('/v1/images/edits', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect((await edits.json()).error.message).toBe('Invalid URL (POST /v1/images/edits).');
});
