/** Bad input on /v1/responses and /v1/images/generations: 4xx in OpenAI's shape, still serving. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectApiError, expectStillServing, postJson, postRaw } from './reliability-helpers';

let gw: TestGateway;
beforeAll(async () => {
  // OpenAI enabled (so dall-e-3 resolves) on a loopback port nothing answers: validation must refuse first.
  gw = await startGateway({
    env: { ...providerEnv('openai', 'http://127.0.0.1:9/v1'), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__SERVER__MAX_BODY_MB: '1' },
  });
});
afterAll(() => gw.close());

const CASES: { path: string; name: string; raw?: string; body?: unknown; headers?: Record<string, string>; status?: number }[] = [
  { path: '/v1/responses', name: 'malformed JSON', raw: '{"model":' },
  { path: '/v1/responses', name: 'body is an array', body: [] },
  { path: '/v1/responses', name: 'missing model', body: { input: 'hi' } },
  { path: '/v1/responses', name: 'missing input', body: { model: 'mock/echo' } },
  { path: '/v1/responses', name: 'input is a number', body: { model: 'mock/echo', input: 5 } },
  { path: '/v1/responses', name: 'unknown model', body: { model: 'no-such-model', input: 'hi' }, status: 404 },
  { path: '/v1/responses', name: 'wrong content type', raw: '{"model":"mock/echo","input":"hi"}', headers: { 'content-type': 'text/plain' } },
  { path: '/v1/responses', name: 'body over the limit', raw: JSON.stringify({ model: 'mock/echo', input: 'x'.repeat(1_200_000) }), status: 413 },
  { path: '/v1/images/generations', name: 'malformed JSON', raw: '{"prompt":' },
  { path: '/v1/images/generations', name: 'missing prompt', body: { model: 'dall-e-3' } },
  { path: '/v1/images/generations', name: 'prompt is a number', body: { model: 'dall-e-3', prompt: 7 } },
  { path: '/v1/images/generations', name: 'n out of range', body: { model: 'dall-e-3', prompt: 'a cat', n: 1000 } },
  { path: '/v1/images/generations', name: 'unknown model', body: { model: 'no-such-image-model', prompt: 'a cat' }, status: 404 },
];

describe('Responses and Images bad input', () => {
  for (const c of CASES) {
    test(`${c.path} ${c.name}`, async () => {
      const res = c.raw !== undefined ? await postRaw(gw, c.path, c.raw, c.headers) : await postJson(gw, c.path, c.body, c.headers);
      const status = c.status ?? 400;
      const err = await expectApiError(res, status);
      if (status === 400 && c.raw === undefined && c.name.startsWith('missing')) expect(err.param).not.toBeNull();
      await expectStillServing(gw);
    });
  }
});

/**
 * Values chat refuses are refused on /v1/responses too, before the bridge hands them to a provider
 * (which would answer in its own words, or, for 1e400 turned into null, not at all).
 */
const RESPONSES_FIELDS: { name: string; raw: string; param: string }[] = [
  { name: 'max_output_tokens is negative', raw: '{"model":"mock/echo","input":"hi","max_output_tokens":-1}', param: 'max_output_tokens' },
  { name: 'max_output_tokens is 1e400 (Infinity)', raw: '{"model":"mock/echo","input":"hi","max_output_tokens":1e400}', param: 'max_output_tokens' },
  { name: 'max_output_tokens is fractional', raw: '{"model":"mock/echo","input":"hi","max_output_tokens":2.5}', param: 'max_output_tokens' },
  { name: 'temperature out of range', raw: '{"model":"mock/echo","input":"hi","temperature":99}', param: 'temperature' },
  { name: 'top_p is a string', raw: '{"model":"mock/echo","input":"hi","top_p":"NaN"}', param: 'top_p' },
  { name: 'store is a string', raw: '{"model":"mock/echo","input":"hi","store":"yes"}', param: 'store' },
  { name: 'parallel_tool_calls is a string', raw: '{"model":"mock/echo","input":"hi","parallel_tool_calls":"x"}', param: 'parallel_tool_calls' },
  { name: 'include holds a number', raw: '{"model":"mock/echo","input":"hi","include":[5]}', param: 'include' },
  { name: 'truncation is an unknown word', raw: '{"model":"mock/echo","input":"hi","truncation":"constructor"}', param: 'truncation' },
  { name: 'metadata holds a number (a stored response echoes it: OpenAI takes strings only)', raw: '{"model":"mock/echo","input":"hi","metadata":{"n":1}}', param: 'metadata' },
  { name: 'metadata has 17 keys', raw: JSON.stringify({ model: 'mock/echo', input: 'hi', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), param: 'metadata' },
  { name: 'a metadata key longer than 64 characters', raw: JSON.stringify({ model: 'mock/echo', input: 'hi', metadata: { ['k'.repeat(65)]: 'v' } }), param: 'metadata' },
  { name: 'a metadata value longer than 512 characters', raw: JSON.stringify({ model: 'mock/echo', input: 'hi', metadata: { k: 'v'.repeat(513) } }), param: 'metadata' },
  { name: 'safety_identifier longer than 64 characters', raw: JSON.stringify({ model: 'mock/echo', input: 'hi', safety_identifier: 's'.repeat(65) }), param: 'safety_identifier' },
  { name: 'user is a number', raw: '{"model":"mock/echo","input":"hi","user":5}', param: 'user' },
  { name: 'tool_choice names a function not in tools', raw: '{"model":"mock/echo","input":"hi","tools":[{"type":"function","name":"a"}],"tool_choice":{"type":"function","name":"b"}}', param: 'tool_choice' },
  { name: 'previous_response_id is a number', raw: '{"model":"mock/echo","input":"hi","previous_response_id":5}', param: 'previous_response_id' },
  { name: 'reasoning.effort is a number (it was dropped, and echoed back in a response OpenAI\'s schema refuses)', raw: '{"model":"mock/echo","input":"hi","reasoning":{"effort":5}}', param: 'reasoning.effort' },
  { name: "reasoning.effort is no word of OpenAI's enum (it was sent to the provider as is)", raw: '{"model":"mock/echo","input":"hi","reasoning":{"effort":"extreme"}}', param: 'reasoning.effort' },
  { name: "reasoning.summary is no word of OpenAI's enum", raw: '{"model":"mock/echo","input":"hi","reasoning":{"summary":"brief"}}', param: 'reasoning.summary' },
  { name: 'reasoning.summary is an object', raw: '{"model":"mock/echo","input":"hi","reasoning":{"summary":{}}}', param: 'reasoning.summary' },
  { name: "a function_call's arguments are an object (they were sent on as '{}')", raw: '{"model":"mock/echo","input":[{"type":"function_call","call_id":"c","name":"f","arguments":{"city":"Oslo"}},{"type":"function_call_output","call_id":"c","output":"ok"}]}', param: 'input[0].arguments' },
  { name: 'an item_reference without an id (was the 404 of item \'undefined\')', raw: '{"model":"mock/echo","input":[{"type":"item_reference"},{"role":"user","content":"hi"}]}', param: 'input[0].id' },
];

describe('/v1/responses field values', () => {
  for (const c of RESPONSES_FIELDS) {
    test(c.name, async () => {
      const res = await postRaw(gw, '/v1/responses', c.raw);
      const err = await expectApiError(res, 400, c.param);
      expect(err.type).toBe('invalid_request_error');
      const row = await gw.waitForRow(res);
      expect({ endpoint: row.endpoint, status: row.status }).toEqual({ endpoint: 'responses', status: 400 });
    });
  }

  test('null means not set, and good values pass', async () => {
    const metadata = { ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v'])), ['k'.repeat(64)]: 'v'.repeat(512) };
    const res = await postJson(gw, '/v1/responses', { model: 'mock/echo', input: 'hi', max_output_tokens: 50, temperature: 0, top_p: 1, store: false, include: [], reasoning: null, text: null, metadata, safety_identifier: 's'.repeat(64), user: 'u' });
    expect(res.status).toBe(200);
    await gw.waitForRow(res);
  });
});
