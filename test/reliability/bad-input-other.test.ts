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
