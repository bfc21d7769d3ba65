/**
 * LangChain JS against the gateway with non-OpenAI backends behind it (fake Gemini and DeepSeek
 * upstreams replaying their recorded wire shapes): ChatOpenAI's streamed tool calls and
 * structured output on Gemini (chat completions and the Responses API), OpenAIEmbeddings'
 * batches and dimensions on Gemini, ChatAnthropic's streamed tool calls on DeepSeek. Each call's
 * usage_metadata is checked against its log row (picked by the x-request-id of its answer).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import type { AIMessageChunk } from '@langchain/core/messages';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, vectorFor } from '../embeddings/fake-embeddings';
import { idRecorder, weatherSchema, weatherTool } from './langchain-helpers';

const gemini = startFakeUpstream();
const deepseek = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { ...providerEnv('gemini', gemini.url), ...providerEnv('deepseek', deepseek.url) } });
afterAll(() => [gemini, deepseek].forEach((u) => u.close()));

const rec = idRecorder();
const chat = (model: string, fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}) =>
  new ChatOpenAI({ model, apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch }, ...fields });

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let message: AIMessageChunk | undefined;
  for await (const c of stream) message = message ? message.concat(c) : c;
  if (!message) throw new Error('the stream yielded nothing');
  return message;
}

const GEMINI_CALLS = [
  ['get_weather', { city: 'Paris', unit: 'celsius' }],
  ['get_weather', { city: 'Tokyo', unit: 'celsius' }],
];

describe('ChatOpenAI on Gemini', () => {
  for (const useResponsesApi of [false, true]) {
    test(`bindTools streamed${useResponsesApi ? ' (useResponsesApi)' : ''}: both calls whole, usage_metadata as the row counts it`, async () => {
      gemini.handler = () => sseResponse(readChunks('gemini', 'tool-call-gemini3.chunks.txt'));
      const message = await collect(await chat('gemini/gemini-3-pro-preview', { useResponsesApi, streamUsage: true }).bindTools([weatherTool]).stream('Weather in Paris and Tokyo?'));
      expect(message.tool_calls!.map((c) => [c.name, c.args])).toEqual(GEMINI_CALLS);
      expect(message.invalid_tool_calls).toEqual([]);
      expect(message.usage_metadata).toMatchObject({ input_tokens: 61, output_tokens: 276, total_tokens: 337, output_token_details: { reasoning: 240 } });
      expect(await gw.waitForRow(rec.last())).toMatchObject({
        endpoint: useResponsesApi ? 'responses' : 'chat', stream: true, status: 200, promptTokens: 61, completionTokens: 276, reasoningTokens: 240,
      });
    });
  }

  test('withStructuredOutput, jsonSchema: Gemini gets the schema as responseJsonSchema, the JSON is parsed', async () => {
    gemini.handler = () => {
      const json = fixtureJson('gemini', 'text.json');
      json.candidates[0].content.parts = [{ text: '{"city":"Paris"}' }];
      return jsonResponse(json);
    };
    const out = await chat('gemini/gemini-2.5-flash').withStructuredOutput(weatherSchema, { name: 'weather', method: 'jsonSchema' }).invoke('Where?');
    expect(out).toEqual({ city: 'Paris' });
    expect(gemini.last().body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: weatherSchema });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, promptTokens: 1050, completionTokens: 107 });
  });

  test('withStructuredOutput, functionCalling: the forced tool becomes allowedFunctionNames, its args are parsed', async () => {
    gemini.handler = () => jsonResponse(fixtureJson('gemini', 'tool-call-gemini3.json'));
    const out = await chat('gemini/gemini-3-pro-preview').withStructuredOutput(weatherSchema, { name: 'get_weather', method: 'functionCalling' }).invoke('Where?');
    expect(out).toEqual({ city: 'Paris' });
    expect(gemini.last().body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
  });

  test("withStructuredOutput on DeepSeek: a 400 naming response_format and the provider, not a parse failure later", async () => {
    const before = deepseek.requests.length;
    const err: any = await chat('deepseek/deepseek-chat').withStructuredOutput(weatherSchema, { name: 'weather', method: 'jsonSchema' }).invoke('Where?').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err?.status).toBe(400);
    expect(err.message).toContain("provider 'deepseek'");
    expect(err.error).toMatchObject({ param: 'response_format', code: 'unsupported_parameter' });
    expect(deepseek.requests.length).toBe(before);
  });
});

test('OpenAIEmbeddings on Gemini: batchSize and dimensions honoured, one row per batch with its tokens', async () => {
  gemini.handler = (_req, r) => geminiBatchAnswer(r);
  const embeddings = new OpenAIEmbeddings({
    model: 'gemini/gemini-embedding-001', apiKey: gw.clientKey, dimensions: 16, batchSize: 150, maxRetries: 0,
    configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch },
  });
  const docs = Array.from({ length: 230 }, (_, i) => `doc ${i}`);
  const mark = rec.ids.length;
  const before = gemini.requests.length;
  const vectors = await embeddings.embedDocuments(docs);
  expect(vectors).toHaveLength(230);
  expect(vectors[229]).toEqual(vectorFor('doc 229', 16));
  // LangChain's batches of 150 and 80; the gateway splits the first into Gemini's 100 + 50.
  expect(gemini.requests.slice(before).map((r) => r.body.requests.length).sort((a, b) => a - b)).toEqual([50, 80, 100]);
  for (const id of rec.since(mark, 2)) {
    const row = await gw.waitForRow(id);
    expect(row).toMatchObject({ endpoint: 'embeddings', provider: 'gemini', status: 200, completionTokens: 0 });
    expect(row.promptTokens).toBeGreaterThan(0);
  }
});

test('ChatAnthropic on DeepSeek, bindTools streamed: both tool_use blocks assembled; output tokens are the row\'s', async () => {
  deepseek.handler = () => sseResponse(readChunks('deepseek', 'tools.chunks.txt'));
  const model = new ChatAnthropic({ model: 'deepseek/deepseek-chat', apiKey: gw.clientKey, anthropicApiUrl: gw.url, maxRetries: 0, clientOptions: { fetch: rec.fetch } });
  const message = await collect(await model.bindTools([{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema as any }]).stream('Weather in Paris and Tokyo?'));
  expect(message.tool_calls!.map((c) => [c.id, c.args])).toEqual([
    ['call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', { city: 'Paris' }],
    ['call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c', { city: 'Tokyo' }],
  ]);
  expect(deepseek.last().body.tools).toEqual([weatherTool]);
  const row = await gw.waitForRow(rec.last());
  expect(row).toMatchObject({ endpoint: 'messages', provider: 'deepseek', stream: true, status: 200, promptTokens: 210, completionTokens: 40 });
  // input_tokens: LangChain reads them from message_start only, sent before DeepSeek reports any: the gateway's approximation (see README)
  expect(message.usage_metadata?.input_tokens).toBeGreaterThan(0);
  expect(message.usage_metadata?.output_tokens).toBe(row.completionTokens);
});
