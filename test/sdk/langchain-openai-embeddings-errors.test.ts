/**
 * LangChain JS's `OpenAIEmbeddings` over /v1/embeddings against the real gateway, and the errors
 * LangChain surfaces from it and `ChatOpenAI` (a bad key, an unknown model, an upstream 429).
 */
import { describe, expect, test } from 'bun:test';
import { OpenAIEmbeddings } from '@langchain/openai';
import { jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { openaiEmbeddingAnswer, vectorFor } from '../embeddings/fake-embeddings';
import { lcError, useLangChainOpenAIRig } from './langchain-openai-rig';

let gw: TestGateway;
const { openai, deepseek, answer, rec, chat } = useLangChainOpenAIRig((g) => void (gw = g));

describe('OpenAIEmbeddings over /v1/embeddings', () => {
  test('embedQuery and embedDocuments: the upstream vectors, one row per call with its tokens', async () => {
    answer.openai = (r) => openaiEmbeddingAnswer(r.body, 7);
    const embeddings = new OpenAIEmbeddings({
      model: 'text-embedding-3-small', apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch },
    });
    const one = await embeddings.embedQuery('sunny day at the beach');
    expect(one).toEqual(vectorFor('sunny day at the beach', 8));
    expect(openai.last().path).toBe('/v1/embeddings');
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'embeddings', provider: 'openai', status: 200, promptTokens: 7, completionTokens: 0 });

    const many = await embeddings.embedDocuments(['rainy day', 'sunny day at the beach']);
    expect(many).toEqual([vectorFor('rainy day', 8), vectorFor('sunny day at the beach', 8)]);
    expect(openai.last().body.input).toEqual(['rainy day', 'sunny day at the beach']);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'embeddings', status: 200, promptTokens: 7 });
  });
});
describe('errors surface as the OpenAI SDK errors LangChain wraps, with their status', () => {
  const drain = async (stream: Promise<AsyncIterable<unknown>>) => {
    for await (const _ of await stream);
  };
  const embeddings = (fields: { model?: string; apiKey?: string } = {}) =>
    new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch }, ...fields });

  test('a bad key: 401 invalid_api_key on every path; nothing reaches the upstreams, no row is written', async () => {
    const before = { openai: openai.requests.length, deepseek: deepseek.requests.length, rows: gw.logs.length };
    const bad = { apiKey: 'gg-test-not-a-real-key' };
    const calls: [string, () => Promise<unknown>][] = [
      ['invoke', () => chat(bad).invoke('Hello')],
      ['stream', () => drain(chat(bad).stream('Hello'))],
      ['responses invoke', () => chat({ ...bad, useResponsesApi: true }).invoke('Hello')],
      ['responses stream', () => drain(chat({ ...bad, useResponsesApi: true }).stream('Hello'))],
      ['embeddings', () => embeddings(bad).embedQuery('Hello')],
    ];
    for (const [what, call] of calls) {
      const err = await lcError(call());
      expect([what, err.status, err.code, err.message]).toEqual([what, 401, 'invalid_api_key', expect.stringContaining('API key')]);
      expect(err.lc_error_code).toBe('MODEL_AUTHENTICATION');
      // Refused before the client is known: the answer names no request, so there is no row to find.
      expect(rec.ids.at(-1)).toBe('');
    }
    expect({ openai: openai.requests.length, deepseek: deepseek.requests.length, rows: gw.logs.length }).toEqual(before);
  });

  test('an unknown model: 404 model_not_found on every path, each call logged as a 404 row', async () => {
    const before = openai.requests.length;
    const calls: [string, () => Promise<unknown>, string][] = [
      ['invoke', () => chat({ model: 'no-such-model' }).invoke('Hello'), 'chat'],
      ['stream', () => drain(chat({ model: 'no-such-model', streamUsage: true }).stream('Hello')), 'chat'],
      ['responses invoke', () => chat({ model: 'no-such-model', useResponsesApi: true }).invoke('Hello'), 'responses'],
      ['responses stream', () => drain(chat({ model: 'no-such-model', useResponsesApi: true }).stream('Hello')), 'responses'],
      ['embeddings', () => embeddings({ model: 'no-such-model' }).embedQuery('Hello'), 'embeddings'],
    ];
    for (const [what, call, endpoint] of calls) {
      const err = await lcError(call());
      expect([what, err.status, err.code, err.message]).toEqual([what, 404, 'model_not_found', expect.stringContaining("The model 'no-such-model' does not exist or is not enabled.")]);
      expect(err.lc_error_code).toBe('MODEL_NOT_FOUND');
      expect(await gw.waitForRow(rec.last())).toMatchObject({
        endpoint, status: 404, modelRequested: 'no-such-model', clientId: gw.clientId, promptTokens: 0, completionTokens: 0,
      });
    }
    expect(openai.requests.length).toBe(before);
  });

  test('an upstream 429: passed on as 429 with its message, logged as 429', async () => {
    answer.openai = () =>
      jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429);
    const err = await lcError(chat().invoke('Hello'));
    expect(err.status).toBe(429);
    expect(err.lc_error_code).toBe('MODEL_RATE_LIMIT');
    expect(err.message).toContain('Rate limit reached for gpt-4o-mini');
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', provider: 'openai', status: 429 });
  });
});
