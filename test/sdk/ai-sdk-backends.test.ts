/**
 * The Vercel AI SDK's OpenAI provider against the gateway with non-OpenAI backends behind it
 * (fake Gemini, DeepSeek and Ollama upstreams replaying their recorded wire shapes): structured
 * output with generateObject / streamObject, a streamed tool loop, embed / embedMany, and a stream
 * the client aborts. Each checks what the SDK reports against the request's log row.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, embedMany, generateObject, jsonSchema, stepCountIs, streamObject, streamText, tool } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, ollamaEmbeddingAnswer, vectorFor } from '../embeddings/fake-embeddings';

// generateObject / streamObject are deprecated in AI SDK 7 (still exported and used): no warnings here.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gemini = startFakeUpstream();
const deepseek = startFakeUpstream();
const ollama = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), {
  env: { ...providerEnv('gemini', gemini.url), ...providerEnv('deepseek', deepseek.url), ...providerEnv('ollama', `${ollama.url}/v1`) },
});
afterAll(() => [gemini, deepseek, ollama].forEach((u) => u.close()));

/** The x-request-id of every answer the SDK got, newest last (an aborted stream has no response object to read it from). */
const ids: string[] = [];
const recordingFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const res = await fetch(input, init);
  ids.push(res.headers.get('x-request-id') ?? '');
  return res;
}) as typeof fetch;
const provider = () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch: recordingFetch });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

const recipe = jsonSchema<{ name: string; steps: string[] }>({
  type: 'object',
  properties: { name: { type: 'string' }, steps: { type: 'array', items: { type: 'string' } } },
  required: ['name', 'steps'],
  additionalProperties: false,
});
const lasagna = { name: 'Lasagna', steps: ['Layer', 'Bake'] };

describe('generateObject / streamObject', () => {
  test("Gemini: the schema becomes responseJsonSchema, the object is parsed; usage as Gemini counted it, in the row too", async () => {
    gemini.handler = () => {
      const json = fixtureJson('gemini', 'text.json');
      json.candidates[0].content.parts = [{ text: JSON.stringify(lasagna) }];
      return jsonResponse(json);
    };
    const r = await generateObject({ model: provider().chat('gemini/gemini-2.5-flash'), schema: recipe, prompt: 'A recipe', maxRetries: 0 });
    expect(r.object).toEqual(lasagna);
    expect(gemini.last().body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: recipe.jsonSchema });
    expect(r.usage).toMatchObject({ inputTokens: 1050, outputTokens: 107, inputTokenDetails: { cacheReadTokens: 1024 }, outputTokenDetails: { reasoningTokens: 99 } });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ status: 200, promptTokens: 1050, cachedTokens: 1024, completionTokens: 107, reasoningTokens: 99 });
  });

  test('Gemini streamObject: partial objects, then the whole one and the stream usage', async () => {
    const json = JSON.stringify(lasagna);
    gemini.handler = () => {
      const chunks = readChunks('gemini', 'text.chunks.txt').map((l) => JSON.parse(l));
      chunks[1].candidates[0].content.parts = [{ text: json.slice(0, 18) }];
      chunks[2].candidates[0].content.parts = [{ text: json.slice(18) }];
      return sseResponse(chunks.slice(1).map((c) => JSON.stringify(c)));
    };
    const r = streamObject({ model: provider().chat('gemini/gemini-2.5-flash'), schema: recipe, prompt: 'A recipe', maxRetries: 0 });
    const partials = await Array.fromAsync(r.partialObjectStream);
    expect(partials[0]).toMatchObject({ name: 'Lasagna' });
    expect(await r.object).toEqual(lasagna);
    expect(await r.usage).toMatchObject({ inputTokens: 2107, outputTokens: 439 });
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ stream: true, status: 200, promptTokens: 2107, completionTokens: 439 });
  });

  test("DeepSeek: its JSON mode takes no schema, so both are a 400 naming response_format and the provider, before any call", async () => {
    const before = deepseek.requests.length;
    const err = await generateObject({ model: provider().chat('deepseek/deepseek-chat'), schema: recipe, prompt: 'A recipe', maxRetries: 0 }).then(
      () => null,
      (e: unknown) => e as APICallError,
    );
    expect(APICallError.isInstance(err)).toBe(true);
    expect(err!.statusCode).toBe(400);
    expect(JSON.parse(err!.responseBody!).error).toMatchObject({ param: 'response_format', code: 'unsupported_parameter', message: expect.stringContaining("provider 'deepseek'") });
    expect(await gw.waitForRow(idOf(err!.responseHeaders))).toMatchObject({ status: 400, modelRequested: 'deepseek/deepseek-chat' });

    const streamed = streamObject({ model: provider().chat('deepseek/deepseek-chat'), schema: recipe, prompt: 'A recipe', maxRetries: 0, onError: () => {} });
    const parts: any[] = await Array.fromAsync(streamed.fullStream);
    expect(parts.filter((p) => p.type === 'error').map((p) => [p.error.statusCode, p.error.message])).toEqual([
      [400, expect.stringContaining("provider 'deepseek'")],
    ]);
    expect(deepseek.requests.length).toBe(before);
  });
});

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string; unit?: string }>({ type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, sky: city === 'Paris' ? 'sunny' : 'rain' }),
});

describe('streamText with a tool, two steps', () => {
  test("Gemini 3: both calls run, the first goes back with its thought signature; each step's usage is its row's", async () => {
    let n = 0;
    gemini.handler = () => sseResponse(readChunks('gemini', n++ === 0 ? 'tool-call-gemini3.chunks.txt' : 'text.chunks.txt'));
    const r = streamText({ model: provider().chat('gemini/gemini-3-pro-preview'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(parts.filter((p) => p.type === 'tool-call').map((p) => p.input)).toEqual([{ city: 'Paris', unit: 'celsius' }, { city: 'Tokyo', unit: 'celsius' }]);
    const steps = await r.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    const [model, results] = gemini.last().body.contents.slice(1);
    expect(model.parts.map((p: any) => [p.functionCall.args.city, typeof p.thoughtSignature])).toEqual([['Paris', 'string'], ['Tokyo', 'undefined']]);
    expect(results.parts.map((p: any) => p.functionResponse.response.sky)).toEqual(['sunny', 'rain']);
    for (const s of steps) {
      const row = await gw.waitForRow(idOf(s.response.headers));
      expect([row.promptTokens, row.completionTokens, row.reasoningTokens]).toEqual([s.usage.inputTokens!, s.usage.outputTokens!, s.usage.outputTokenDetails.reasoningTokens!]);
    }
    expect(steps[0]!.usage).toMatchObject({ inputTokens: 61, outputTokens: 276 });
  });

  test("DeepSeek: both calls run and go back by id; each step's usage, cache reads included, is its row's", async () => {
    let n = 0;
    deepseek.handler = () => sseResponse(readChunks('deepseek', n++ === 0 ? 'tools.chunks.txt' : 'text.chunks.txt'));
    const r = streamText({ model: provider().chat('deepseek/deepseek-chat'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    const calls = parts.filter((p) => p.type === 'tool-call');
    expect(calls.map((p) => p.input)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
    expect(deepseek.last().body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(calls.map((c) => c.toolCallId));
    const steps = await r.steps;
    for (const s of steps) {
      const row = await gw.waitForRow(idOf(s.response.headers));
      expect([row.promptTokens, row.cachedTokens, row.completionTokens]).toEqual([s.usage.inputTokens!, s.usage.inputTokenDetails.cacheReadTokens!, s.usage.outputTokens!]);
    }
    expect(steps[0]!.usage).toMatchObject({ inputTokens: 210, outputTokens: 40, inputTokenDetails: { cacheReadTokens: 192 } });
  });
});

describe('embed / embedMany', () => {
  const values = Array.from({ length: 150 }, (_, i) => `document number ${i}`);

  test('Gemini: 150 values in one SDK call, sent as batches of 100 with outputDimensionality; vectors in order; usage is the row\'s', async () => {
    gemini.handler = (_req, rec) => geminiBatchAnswer(rec);
    const before = gemini.requests.length;
    const r = await embedMany({ model: provider().embedding('gemini/gemini-embedding-001'), values, providerOptions: { openai: { dimensions: 16 } }, maxRetries: 0 });
    const calls = gemini.requests.slice(before);
    expect(calls.map((c) => [c.path, c.body.requests.length])).toEqual([
      ['/v1beta/models/gemini-embedding-001:batchEmbedContents', 100],
      ['/v1beta/models/gemini-embedding-001:batchEmbedContents', 50],
    ]);
    expect(calls[0]!.body.requests[0].outputDimensionality).toBe(16);
    expect(r.embeddings).toHaveLength(150);
    expect(r.embeddings[149]).toEqual(vectorFor('document number 149', 16));
    const row = await gw.waitForRow(r.responses![0]!.headers!['x-request-id']!);
    expect(row).toMatchObject({ endpoint: 'embeddings', provider: 'gemini', status: 200, completionTokens: 0 });
    expect(row.promptTokens).toBe(r.usage.tokens);
    expect(r.usage.tokens).toBeGreaterThan(150);
  });

  test('Ollama: dimensions go up as sent, the vectors and usage come back; usage is the row\'s', async () => {
    ollama.handler = (_req, rec) => ollamaEmbeddingAnswer(rec.body);
    const r = await embedMany({ model: provider().embedding('ollama/nomic-embed-text'), values: values.slice(0, 3), providerOptions: { openai: { dimensions: 4 } }, maxRetries: 0 });
    expect(ollama.last().body).toMatchObject({ model: 'nomic-embed-text', input: values.slice(0, 3), dimensions: 4 });
    expect(r.embeddings).toEqual(values.slice(0, 3).map((v) => vectorFor(v, 4)));
    expect(r.usage.tokens).toBe(9);
    expect(await gw.waitForRow(r.responses![0]!.headers!['x-request-id']!)).toMatchObject({ endpoint: 'embeddings', provider: 'ollama', promptTokens: 9 });
  });
});

describe('abortSignal mid-stream', () => {
  test('DeepSeek: the upstream call is aborted, the row is 499 and bills the prompt and the delivered text, estimated', async () => {
    const aborted = deepseek.aborts;
    deepseek.handler = (_req, _rec, fake) => sseResponse(readChunks('deepseek', 'text.chunks.txt'), { hangAfter: 4, onAbort: () => fake.noteAbort() });
    const ac = new AbortController();
    const r = streamText({ model: provider().chat('deepseek/deepseek-chat'), prompt: 'Hello', abortSignal: ac.signal, maxRetries: 0 });
    const types: string[] = [];
    for await (const p of r.fullStream) {
      types.push(p.type);
      if (p.type === 'text-delta') ac.abort();
    }
    expect(types.at(-1)).toBe('abort');
    await deepseek.waitForAbort(aborted + 1);
    const row = await gw.waitForRow(ids.at(-1)!);
    expect(row).toMatchObject({ endpoint: 'chat', stream: true, status: 499, errorType: 'client_closed_request', estimated: true });
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.completionTokens).toBeGreaterThan(0);
  });
});
