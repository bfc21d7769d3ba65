/**
 * An upstream's 404 for a model it does not have reaches the client as OpenAI's own answer for a
 * missing model: 404 `model_not_found`, with the upstream's words. Each provider's real 404 body.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const CASES: [provider: string, model: string, body: unknown, words: string][] = [
  ['openai', 'openai/gpt-9-nope', {
    error: { message: 'The model `gpt-9-nope` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' },
  }, 'does not exist'],
  ['gemini', 'gemini/gemini-0.9-nope', {
    error: {
      code: 404, status: 'NOT_FOUND',
      message: 'models/gemini-0.9-nope is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
    },
  }, 'is not found for API version'],
  ['anthropic', 'anthropic/claude-nope-9', { type: 'error', error: { type: 'not_found_error', message: 'model: claude-nope-9' } }, 'model: claude-nope-9'],
  // Ollama's OpenAI-compatible endpoint (the native one says the same in {"error": "..."}).
  ['ollama', 'ollama/llama-nope', {
    error: { message: 'model "llama-nope" not found, try pulling it first', type: 'api_error', param: null, code: null },
  }, 'try pulling it first'],
  // Moonshot names its errors in `type` only; a retired or unknown model (mozilla-ai/any-llm#778, 666ghj/BettaFish#351).
  ['moonshot', 'moonshot/kimi-thinking-preview', {
    error: { message: 'Not found the model kimi-thinking-preview or Permission denied', type: 'resource_not_found_error' },
  }, 'Not found the model kimi-thinking-preview'],
];

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('gemini', fake.url),
      ...providerEnv('anthropic', fake.url),
      ...providerEnv('ollama', fake.url),
      ...providerEnv('moonshot', fake.url),
    },
  });
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

describe('an upstream 404 for a missing model', () => {
  for (const [provider, model, body, words] of CASES) {
    test(`${provider}: 404 model_not_found with the upstream's message`, async () => {
      fake.handler = () => jsonResponse(body, 404);
      const err = await gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect(err.code).toBe('model_not_found');
      expect(err.type).toBe('invalid_request_error');
      expect(err.message).toContain(words);
    });
  }

  test('a 404 that is not about the model (a wrong path) keeps upstream_error', async () => {
    fake.handler = () => jsonResponse({ error: { message: 'Invalid URL (POST /v1/chat/completion)', type: 'invalid_request_error', param: null, code: null } }, 404);
    const err = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('upstream_error');
    // Google's 404 page for a path it has not (a base URL with the wrong version) names the URL's models/… too.
    fake.handler = () => new Response(
      '<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL <code>/v1beta/models/gemini-2.5-flash:generateContent</code> was not found on this server.  <ins>That’s all we know.</ins>',
      { status: 404, headers: { 'content-type': 'text/html; charset=UTF-8' } },
    );
    const page = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(page).toBeInstanceOf(OpenAI.NotFoundError);
    expect(page.code).toBe('upstream_error');
  });
});
