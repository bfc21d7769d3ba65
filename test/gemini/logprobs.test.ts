/**
 * Gemini's logprobs are not translated: a client asking for them gets a 400 naming the field
 * (with a log row) instead of an answer whose `logprobs: null` looks like a model without them.
 * So are the deprecated `functions` (the model would answer as if it had no tools), a web search
 * and audio output (each would quietly not happen).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-logprobs-0123456789' } });
});

afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const messages = [{ role: 'user' as const, content: 'hi' }];

test.each([
  ['logprobs', { logprobs: true }],
  ['logprobs', { logprobs: true, top_logprobs: 3 }],
  ['top_logprobs', { top_logprobs: 2 }],
  ['functions', { functions: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] }],
  ['functions', { functions: [{ name: 'get_weather' }], function_call: { name: 'get_weather' } }],
  ['web_search_options', { web_search_options: {} }],
  ['modalities', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }],
] as const)('%s asked for: 400 unsupported_parameter naming it, nothing sent upstream, one row (%#)', async (param, extra) => {
  const before = fake.requests.length;
  for (const stream of [false, true]) {
    const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages, stream, ...(extra as {}) }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_parameter', param });
    expect(err.message).toContain(param);
    expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ status: 400, errorType: 'unsupported_parameter', provider: 'gemini' });
  }
  expect(fake.requests.length).toBe(before);
});

test('logprobs: false is what the client gets anyway: the request goes through', async () => {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello.' }] }, finishReason: 'STOP', index: 0 }] } });
  const c = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages, logprobs: false });
  expect(c.choices[0]!.message.content).toBe('Hello.');
  expect(c.choices[0]!.logprobs).toBeNull();
});
