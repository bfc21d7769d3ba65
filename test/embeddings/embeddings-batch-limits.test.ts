/**
 * Large batches and per-provider limits on /v1/embeddings, as RAG pipelines send them (LangChain's
 * OpenAIEmbeddings batching, the AI SDK's embedMany, the openai SDK's base64 default), against
 * fakes that enforce each provider's real limits and answer in its real shapes:
 * - OpenAI: at most 2048 inputs a request, 8192 tokens an input (its 400s, as OpenAI words them),
 *   `dimensions` refused by text-embedding-ada-002;
 * - Gemini batchEmbedContents: at most 100 requests a batch (its 400), vectors printed as Google
 *   prints float32 values (9 significant digits), no usage;
 * - Ollama /v1/embeddings: float64 renderings of float32 values, `the input length exceeds the
 *   context length` as its 400.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { OpenAIEmbeddings } from '@langchain/openai';
import { createOpenAI } from '@ai-sdk/openai';
import { embedMany } from 'ai';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { limitedClient } from '../limits/limits-helpers';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiEmbeddingAnswer, vectorFor } from './fake-embeddings';

/** ~4 characters a token: the fakes' stand-in for the providers' tokenizers. */
const fakeTokens = (s: string) => Math.ceil(s.length / 4);
const openaiError = (message: string, param: string | null = null) =>
  jsonResponse({ error: { message, type: 'invalid_request_error', param, code: null } }, 400);

const openai = startFakeUpstream((_req, rec) => {
  const b = rec.body;
  const list: unknown[] = typeof b.input === 'string' || typeof b.input?.[0] === 'number' ? [b.input] : b.input;
  if (list.length > 2048) return openaiError("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  if (b.model === 'text-embedding-ada-002' && b.dimensions !== undefined) return openaiError('This model does not support specifying dimensions.');
  const long = list.find((x) => typeof x === 'string' && fakeTokens(x) > 8192) as string | undefined;
  if (long) {
    const n = fakeTokens(long);
    return openaiError(`This model's maximum context length is 8192 tokens, however you requested ${n} tokens (${n} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`);
  }
  return openaiEmbeddingAnswer(b, list.reduce<number>((a, x) => a + (typeof x === 'string' ? fakeTokens(x) : (x as number[]).length), 0));
});

/** Gemini prints float32 values with 9 significant digits, which parse to doubles that are not float32. */
const googleValues = (text: string, dims: number) => vectorFor(text, dims).map((x) => Number(x.toPrecision(9)) + 1e-12);
/** A batch holding this text never gets its head: the fake waits until the gateway leaves. */
const HANG = 'hang here';
/** A batch holding this text is refused with Google's 400 (its index within that batch). */
const REFUSED = 'refuse me';
const gemini = startFakeUpstream((req, rec) => {
  const requests: any[] = rec.body.requests;
  if (requests.some((r) => r.content.parts[0].text === HANG)) {
    return new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('gateway left'))));
  }
  const bad = requests.findIndex((r) => r.content.parts[0].text === REFUSED);
  if (bad >= 0) {
    return jsonResponse({ error: { code: 400, message: `* BatchEmbedContentsRequest.requests[${bad}].content: refused by this fake\n`, status: 'INVALID_ARGUMENT' } }, 400);
  }
  if (requests.length > 100) {
    return jsonResponse({ error: { code: 400, message: '* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n', status: 'INVALID_ARGUMENT' } }, 400);
  }
  return jsonResponse({ embeddings: requests.map((r) => ({ values: googleValues(r.content.parts[0].text, r.outputDimensionality ?? 8) })) });
});

const ollama = startFakeUpstream((_req, rec) => {
  // GET /v1/models asks Ollama what it has pulled: nothing here.
  if (rec.path === '/api/tags') return jsonResponse({ models: [] });
  const inputs: string[] = typeof rec.body.input === 'string' ? [rec.body.input] : rec.body.input;
  if (inputs.some((t) => fakeTokens(t) > 2048)) return jsonResponse({ error: 'the input length exceeds the context length' }, 400);
  return jsonResponse({
    object: 'list',
    // Go prints each float32 widened to float64: more digits than a float32 has, the same value.
    data: inputs.map((t, index) => ({ object: 'embedding', embedding: vectorFor(t, rec.body.dimensions ?? 8), index })),
    model: rec.body.model,
    usage: { prompt_tokens: inputs.reduce((a, t) => a + fakeTokens(t), 0), total_tokens: inputs.reduce((a, t) => a + fakeTokens(t), 0) },
  });
});

let gw: TestGateway;
let client: OpenAI;
useGateway((g) => ((gw = g), (client = g.openai())), {
  env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`) },
});
afterAll(() => {
  openai.close();
  gemini.close();
  ollama.close();
});

const texts = (n: number, tag = 'chunk') => Array.from({ length: n }, (_, i) => `${tag} ${i} of a document split for retrieval`);
const float32 = (v: number[]) => Array.from(new Float32Array(v));

describe('a batch larger than the provider takes in one call', () => {
  test('500 inputs to Gemini (SDK default base64): five calls of 100, joined in order, float32 exact, one row, summed usage', async () => {
    const inputs = texts(500);
    const before = gemini.requests.length;
    const { data, response } = await client.embeddings.create({ model: 'gemini-embedding-001', input: inputs }).withResponse();
    expect(gemini.requests.slice(before).map((r) => r.body.requests.length)).toEqual([100, 100, 100, 100, 100]);
    expect(data.data.map((d) => d.index)).toEqual(inputs.map((_, i) => i));
    data.data.forEach((d, i) => expect(d.embedding).toEqual(float32(googleValues(inputs[i]!, 8))));
    const perText = await gw.ctx.tokenCounter.count(inputs);
    expect(data.usage.prompt_tokens).toBe(perText.reduce((a, n) => a + n, 0));
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'embeddings', status: 200, provider: 'gemini', promptTokens: data.usage.prompt_tokens });
    expect(gw.logs.filter((l) => l.requestId === row.requestId)).toHaveLength(1);
  });

  test('LangChain OpenAIEmbeddings (batches of 512) over Gemini: 1200 documents in order', async () => {
    const docs = texts(1200, 'lc');
    const lc = new OpenAIEmbeddings({ model: 'gemini-embedding-001', apiKey: gw.clientKey, configuration: { baseURL: `${gw.url}/v1` }, maxRetries: 0 });
    const vectors = await lc.embedDocuments(docs);
    expect(vectors).toHaveLength(1200);
    vectors.forEach((v, i) => expect(v).toEqual(float32(googleValues(docs[i]!, 8))));
  });

  test("the AI SDK's embedMany over Gemini and Ollama: 2100 values, order kept", async () => {
    const provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
    const values = texts(2100, 'ai');
    const g = await embedMany({ model: provider.embedding('gemini-embedding-001'), values, maxRetries: 0 });
    g.embeddings.forEach((v, i) => expect(v).toEqual(googleValues(values[i]!, 8)));
    const o = await embedMany({ model: provider.embedding('ollama/nomic-embed-text'), values, maxRetries: 0 });
    o.embeddings.forEach((v, i) => expect(v).toEqual(vectorFor(values[i]!, 8)));
  });

  test('2049 inputs to OpenAI: a 400 on input before any call', async () => {
    const before = openai.requests.length;
    const err = await apiError(client.embeddings.create({ model: 'text-embedding-3-small', input: texts(2049) }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'input' });
    expect(openai.requests.length).toBe(before);
  });
});

describe('an input over the model\'s token limit', () => {
  test("OpenAI: its own 400, in its words", async () => {
    const err = await apiError(client.embeddings.create({ model: 'text-embedding-3-small', input: ['short', 'x'.repeat(40_000)] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error' });
    expect((err.error as any).message).toContain("This model's maximum context length is 8192 tokens, however you requested 10000 tokens");
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({ status: 400 });
  });

  test("Ollama: its 400, relayed as a 400 with its message", async () => {
    const err = await apiError(client.embeddings.create({ model: 'ollama/nomic-embed-text', input: ['short', 'x'.repeat(10_000)] }));
    expect(err.status).toBe(400);
    expect((err.error as any).message).toContain('the input length exceeds the context length');
  });
});

test('Gemini refuses an input of a later batch: its 400 reaches the client, naming the input by its index in the request', async () => {
  const c = gw.addClient('refused-later');
  const inputs = texts(300, 'refused');
  inputs[237] = REFUSED;
  const err = await apiError(gw.openai(c.key).embeddings.create({ model: 'gemini-embedding-001', input: inputs }));
  expect(err.status).toBe(400);
  expect((err.error as any).message).toContain('refused by this fake');
  expect((err.error as any).message).toContain('requests[237]');
  const [row] = await gw.waitForClientRows(c.id, 1);
  const answered = (await gw.ctx.tokenCounter.count(inputs.slice(0, 200))).reduce((a, n) => a + n, 0);
  expect(row).toMatchObject({ status: 400, estimated: true });
  expect(JSON.parse(row!.attempts!)[0].billed).toMatchObject({ prompt_tokens: answered });
});

describe('dimensions', () => {
  test("ada-002 refuses them: OpenAI's 400 relayed", async () => {
    const err = await apiError(client.embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 256 }));
    expect(err.status).toBe(400);
    expect((err.error as any).message).toContain('This model does not support specifying dimensions.');
  });

  test('text-embedding-3-small and gemini-embedding-001 take them (base64 decoded to the asked length)', async () => {
    const o = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 3 });
    expect(o.data.map((d) => d.embedding)).toEqual([vectorFor('a', 3), vectorFor('b', 3)]);
    const g = await client.embeddings.create({ model: 'gemini-embedding-001', input: ['a', 'b'], dimensions: 3 });
    expect(gemini.requests.at(-1)!.body.requests.map((r: any) => r.outputDimensionality)).toEqual([3, 3]);
    expect(g.data.map((d) => d.embedding)).toEqual([float32(googleValues('a', 3)), float32(googleValues('b', 3))]);
  });
});

describe('empty and token-array inputs', () => {
  for (const model of ['text-embedding-3-small', 'gemini-embedding-001', 'ollama/nomic-embed-text']) {
    test(`${model}: empty string, empty array, empty token array -> 400 on input, no call`, async () => {
      const calls = () => openai.requests.length + gemini.requests.length + ollama.requests.length;
      const before = calls();
      for (const input of ['', [], ['a', ''], [[]], [[1], []]] as any[]) {
        const err = await apiError(client.embeddings.create({ model, input }));
        expect(err.status).toBe(400);
        expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'input' });
      }
      expect(calls()).toBe(before);
    });
  }

  test('token arrays: passed to OpenAI as sent (one array, arrays of arrays), usage as OpenAI reports', async () => {
    const one = await client.embeddings.create({ model: 'text-embedding-3-small', input: [1, 2, 3], encoding_format: 'float' });
    expect(openai.requests.at(-1)!.body.input).toEqual([1, 2, 3]);
    expect(one.data).toHaveLength(1);
    expect(one.usage.prompt_tokens).toBe(3);
    const many = await client.embeddings.create({ model: 'text-embedding-3-small', input: [[1, 2], [3, 4, 5]], encoding_format: 'float' });
    expect(many.data.map((d) => d.index)).toEqual([0, 1]);
    expect(many.usage.prompt_tokens).toBe(5);
  });
});

describe('usage, cost and limits of a split batch', () => {
  test('a TPM key: the split request is reserved and settled once, at the sum of its batches', async () => {
    const c = await limitedClient(gw, 'tpm-split', { tpm: 100_000 });
    const res = await gw.openai(c.key).embeddings.create({ model: 'gemini-embedding-001', input: texts(250, 'tpm') }).withResponse();
    const rows = await gw.waitForClientRows(c.id, 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ promptTokens: res.data.usage.prompt_tokens, status: 200 });
    // Its answer carries the numbers of its admission (an estimate); a read afterwards, the settled window.
    const after = await gw.openai(c.key).models.list().withResponse();
    expect(after.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(100_000 - res.data.usage.prompt_tokens));
  });

  for (const at of [0, 2]) {
    test(`the client leaves while batch ${at + 1} of 5 is at Google: billed for the batches sent, not the ones never sent`, async () => {
      const c = gw.addClient(`leaves-at-${at}`);
      const inputs = texts(500, `leave${at}`);
      inputs[at * 100 + 7] = HANG;
      const controller = new AbortController();
      const before = gemini.requests.length;
      const pending = gw.openai(c.key).embeddings.create({ model: 'gemini-embedding-001', input: inputs }, { signal: controller.signal }).catch((e) => e);
      for (let i = 0; i < 500 && gemini.requests.length - before < at + 1; i++) await Bun.sleep(10);
      expect(gemini.requests.length - before).toBe(at + 1);
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      const [row] = await gw.waitForClientRows(c.id, 1);
      const sent = inputs.slice(0, (at + 1) * 100);
      const tokens = (await gw.ctx.tokenCounter.count(sent)).reduce((a, n) => a + n, 0);
      expect(row).toMatchObject({ status: 499, provider: 'gemini', promptTokens: tokens, estimated: true });
      expect(gemini.requests.length - before).toBe(at + 1);
    });
  }
});
