/**
 * /v1/embeddings as users call it: the official `openai` SDK (base64 by default, decoded by the
 * SDK), the Vercel AI SDK's embedMany and LangChain's OpenAIEmbeddings, over every provider the
 * gateway embeds with (OpenAI, Gemini, Ollama, mock), against fakes in each provider's wire shape.
 * The fake Ollama lists a batch's vectors out of order (by `index`, as the API allows): every
 * client must still get input i's vector at i. Rows are found by the answer's x-request-id.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embedMany } from 'ai';
import { OpenAIEmbeddings } from '@langchain/openai';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from '../responses/openai-schema';
import { mockVector } from '../../src/embeddings/mock-embeddings';
import { geminiBatchAnswer, openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';

type Failure = null | '429' | '500';
/** How each fake fails, in its provider's own words; null: it answers. */
const failing: Record<'openai' | 'gemini' | 'ollama', Failure> = { openai: null, gemini: null, ollama: null };
const tokensOf = (input: unknown): number => (typeof input === 'string' ? input.length : Array.isArray(input) ? input.reduce((a: number, x) => a + (typeof x === 'number' ? 1 : tokensOf(x)), 0) : 0);

const openai = startFakeUpstream((_req, rec) => {
  if (failing.openai === '429') {
    return jsonResponse({ error: { message: 'Rate limit reached for text-embedding-3-small in organization org-x on requests per min (RPM): Limit 3000, Used 3000, Requested 1.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '2' });
  }
  if (failing.openai === '500') return jsonResponse({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } }, 500);
  return openaiEmbeddingAnswer(rec.body, tokensOf(rec.body.input));
});
const gemini = startFakeUpstream((_req, rec) => {
  if (failing.gemini === '429') return jsonResponse({ error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }, 429);
  if (failing.gemini === '500') return jsonResponse({ error: { code: 500, message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', status: 'INTERNAL' } }, 500);
  return geminiBatchAnswer(rec);
});
const ollama = startFakeUpstream((_req, rec) => {
  // Ollama's errors are {"error": "<text>"}; its 503 is its queue being full.
  if (failing.ollama === '429') return jsonResponse({ error: 'server busy, please try again.  maximum pending requests exceeded' }, 503);
  if (failing.ollama === '500') return jsonResponse({ error: 'llama runner process has terminated: exit status 2' }, 500);
  const inputs: string[] = typeof rec.body.input === 'string' ? [rec.body.input] : rec.body.input;
  const data = inputs.map((t, index) => ({ object: 'embedding', embedding: vectorFor(t, rec.body.dimensions ?? 8), index })).reverse();
  const n = tokensOf(inputs);
  return jsonResponse({ object: 'list', data, model: rec.body.model, usage: { prompt_tokens: n, total_tokens: n } });
});
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: {
    ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`),
    LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
  },
});
// Each failure test fails its provider three times (one per client): no circuit carried to the next.
beforeEach(() => gw.ctx.breakers.reset());
afterAll(() => {
  openai.close();
  gemini.close();
  ollama.close();
});

/** The vector each provider's fake (or the mock) gives a text: what every client must get back. */
const expected: Record<string, (input: string | number[], dims?: number) => number[]> = {
  'text-embedding-3-small': (x, d = 8) => vectorFor(x, d),
  'gemini/gemini-embedding-001': (x, d = 8) => vectorFor(x, d),
  'ollama/nomic-embed-text': (x, d = 8) => vectorFor(x, d),
  'mock/embed': (x, d = 1536) => mockVector(x, d),
};
const MODELS = Object.keys(expected);
const TEXTS = ['the first document', 'a second, longer document about embeddings', 'third', 'and a fourth one'];

/** The float32 values of OpenAI's base64, read little-endian byte by byte (not the SDK's decoder). */
function float32LE(b64: string): number[] {
  const bytes = Buffer.from(b64, 'base64');
  expect(bytes.byteLength % 4).toBe(0);
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('/v1/embeddings through the official openai SDK, each provider', () => {
  for (const model of MODELS) {
    test(`${model}: base64 (the SDK's default) and float give each input's own vector at its index; usage and the row agree`, async () => {
      const client = gw.openai();
      const { data, response } = await client.embeddings.create({ model, input: TEXTS }).withResponse();
      expect(data.data.map((d) => d.index)).toEqual([0, 1, 2, 3]);
      expect(data.data.map((d) => d.embedding)).toEqual(TEXTS.map((t) => expected[model]!(t)));
      const floats = await client.embeddings.create({ model, input: TEXTS, encoding_format: 'float' });
      expect(schemaErrors('CreateEmbeddingResponse', floats)).toEqual([]);
      expect(floats.data.map((d) => d.embedding)).toEqual(data.data.map((d) => d.embedding));

      // The wire form, read by hand: little-endian float32 bytes of the same values.
      const res = await gw.fetch('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model, input: TEXTS.slice(0, 2), encoding_format: 'base64' }) });
      // (OpenAI's schema types `embedding` as the float list only: the base64 form is checked by hand.)
      const wire = await res.json();
      expect(wire.data.map((d: { object: string; index: number }) => [d.object, d.index])).toEqual([['embedding', 0], ['embedding', 1]]);
      expect(wire.data.map((d: { embedding: string }) => float32LE(d.embedding))).toEqual(TEXTS.slice(0, 2).map((t) => expected[model]!(t)));

      expect(data.usage.prompt_tokens).toBeGreaterThan(0);
      expect(data.usage.total_tokens).toBe(data.usage.prompt_tokens);
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ endpoint: 'embeddings', status: 200, promptTokens: data.usage.prompt_tokens, completionTokens: 0 });
      const price = ({ 'text-embedding-3-small': 0.02, 'gemini-embedding-001': 0.15 } as Record<string, number>)[row.model!] ?? 0;
      expect(row.costUsd).toBeCloseTo((data.usage.prompt_tokens * price) / 1e6, 14);
    });
  }

  test('input as a string, string[], token array and token arrays; dimensions on each provider', async () => {
    const client = gw.openai();
    for (const model of ['text-embedding-3-small', 'mock/embed']) {
      const forms: [OpenAI.EmbeddingCreateParams['input'], (string | number[])[]][] = [
        ['one string', ['one string']], [['a', 'b'], ['a', 'b']], [[5, 6, 7], [[5, 6, 7]]], [[[1, 2], [3]], [[1, 2], [3]]],
      ];
      for (const [input, each] of forms) {
        const res = await client.embeddings.create({ model, input, dimensions: 4 });
        expect(res.data.map((d) => d.embedding)).toEqual(each.map((x) => expected[model]!(x, 4)));
      }
    }
    for (const model of ['gemini/gemini-embedding-001', 'ollama/nomic-embed-text']) {
      const res = await client.embeddings.create({ model, input: ['x', 'y'], dimensions: 3 });
      expect(res.data.map((d) => d.embedding)).toEqual([expected[model]!('x', 3), expected[model]!('y', 3)]);
      // Token ids are OpenAI's tokenizer's: a provider with its own refuses them, before any call.
      const err = await apiError(client.embeddings.create({ model, input: [[1, 2]] }));
      expect(err.error).toMatchObject({ param: 'input', code: 'invalid_input' });
    }
  });
});

describe('/v1/embeddings through the AI SDK and LangChain, each provider', () => {
  for (const model of MODELS) {
    test(`${model}: embedMany (floats) and embedDocuments (base64) return the vectors in input order`, async () => {
      const compatible = createOpenAICompatible({ name: 'gophergate', baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
      const many = await embedMany({ model: compatible.embeddingModel(model), values: TEXTS, maxRetries: 0 });
      expect(many.embeddings).toEqual(TEXTS.map((t) => expected[model]!(t)));
      const lc = new OpenAIEmbeddings({ model, apiKey: gw.clientKey, configuration: { baseURL: `${gw.url}/v1` }, maxRetries: 0, batchSize: 3 });
      // batchSize 3: two requests, joined by LangChain in order.
      expect(await lc.embedDocuments(TEXTS)).toEqual(TEXTS.map((t) => expected[model]!(t)));
    });
  }
});

describe("a provider's 429 and 500 on /v1/embeddings", () => {
  const cases: ['openai' | 'gemini' | 'ollama', string, Failure, number, string][] = [
    ['openai', 'text-embedding-3-small', '429', 429, 'rate_limit_exceeded'],
    ['openai', 'text-embedding-3-small', '500', 502, 'upstream_error'],
    ['gemini', 'gemini/gemini-embedding-001', '429', 429, 'rate_limit_exceeded'],
    ['gemini', 'gemini/gemini-embedding-001', '500', 502, 'upstream_error'],
    ['ollama', 'ollama/nomic-embed-text', '429', 502, 'upstream_error'],
    ['ollama', 'ollama/nomic-embed-text', '500', 502, 'upstream_error'],
  ];
  for (const [provider, model, how, status, code] of cases) {
    test(`${provider} ${how === '429' ? (provider === 'ollama' ? '503 (its queue full)' : '429') : '500'} -> ${status} ${code} in OpenAI's shape, one row, nothing billed`, async () => {
      failing[provider] = how;
      try {
        const before = { openai, gemini, ollama }[provider].requests.length;
        const err = await apiError(gw.openai().embeddings.create({ model, input: TEXTS }));
        expect(err.status).toBe(status);
        expect(schemaErrors('ErrorResponse', { error: err.error })).toEqual([]);
        expect(err.error).toMatchObject({ code });
        if (status === 429) expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
        expect({ openai, gemini, ollama }[provider].requests.length - before).toBe(1);
        const row = await gw.waitForRow(err);
        expect(row).toMatchObject({ endpoint: 'embeddings', status, provider, costUsd: 0, promptTokens: 0 });
        // The AI SDK and LangChain see the same status.
        const compatible = createOpenAICompatible({ name: 'gophergate', baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
        const aiErr: any = await embedMany({ model: compatible.embeddingModel(model), values: TEXTS, maxRetries: 0 }).catch((e) => e);
        expect(aiErr.statusCode ?? aiErr.lastError?.statusCode).toBe(status);
        const lc = new OpenAIEmbeddings({ model, apiKey: gw.clientKey, configuration: { baseURL: `${gw.url}/v1` }, maxRetries: 0 });
        const lcErr: any = await lc.embedQuery('q').catch((e) => e);
        expect(lcErr.status).toBe(status);
      } finally {
        failing[provider] = null;
      }
    });
  }
});
