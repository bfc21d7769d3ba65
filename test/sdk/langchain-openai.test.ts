/**
 * LangChain JS's `ChatOpenAI` and `OpenAIEmbeddings` (@langchain/openai) against the real gateway,
 * which reaches fake OpenAI, DeepSeek and Anthropic upstreams replaying recorded wire shapes. Each
 * case checks what LangChain made of the answer, what the gateway sent upstream, and the log row
 * of the call (picked by the `x-request-id` the gateway answered).
 */
import { describe, expect, test } from 'bun:test';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { AIMessageChunk, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ContextOverflowError } from '@langchain/core/errors';
import { fixtureJson, fixtureText, jsonResponse, readChunks, sseEventsResponse, sseResponse, type RecordedRequest } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { openaiEmbeddingAnswer, vectorFor } from '../embeddings/fake-embeddings';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { fixtureWith, idRecorder, weatherSchema, weatherTool } from './langchain-helpers';

type Answer = (rec: RecordedRequest) => Response;
const noAnswer: Answer = () => jsonResponse({ error: { message: 'no answer set in this test' } }, 500);
let openaiAnswer: Answer = noAnswer;
let deepseekAnswer: Answer = noAnswer;
let anthropicAnswer: Answer = noAnswer;
let gw: TestGateway;
const { openaiUp: openai, deepseekUp: deepseek, anthropicUp: anthropic } = useFakeProviders((g) => void (gw = g));
openai.handler = (_req, rec) => openaiAnswer(rec);
deepseek.handler = (_req, rec) => deepseekAnswer(rec);
anthropic.handler = (_req, rec) => anthropicAnswer(rec);

const rec = idRecorder();
const chat = (fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}) =>
  new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: gw.clientKey,
    maxRetries: 0,
    timeout: 20_000,
    configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch },
    ...fields,
  });

/** A JSON answer for a plain call and the SSE replay of `chunks` for a streamed one. */
const chatAnswer = (json: unknown, chunks: string[]): Answer => (r) => (r.body?.stream ? sseResponse(chunks) : jsonResponse(json));

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<{ message: AIMessageChunk; chunks: number }> {
  let message: AIMessageChunk | undefined;
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    message = message ? message.concat(c) : c;
  }
  if (!message) throw new Error('the stream yielded nothing');
  return { message, chunks };
}

/** The error a LangChain call must fail with: an Error carrying the HTTP status (fails the test on success). */
async function lcError(p: Promise<unknown>): Promise<Error & { status?: number; code?: string; lc_error_code?: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (err === null) throw new Error('expected the call to fail');
  expect(err).toBeInstanceOf(Error);
  return err as Error & { status?: number; code?: string; lc_error_code?: string };
}

const TEXT = 'Hello! How can I help you today?';

describe('ChatOpenAI over /v1/chat/completions', () => {
  test('invoke: the upstream text and usage_metadata; the upstream got the model and message; one row', async () => {
    openaiAnswer = chatAnswer(fixtureJson('openai', 'chat.json'), []);
    const reply = await chat({ temperature: 0.2 }).invoke([new HumanMessage('Hello')]);
    expect(reply.content).toBe(TEXT);
    expect(reply.id).toBe('chatcmpl-CGx3NonStr3amAbCdEfGhIjKlMn');
    expect(reply.response_metadata).toMatchObject({ finish_reason: 'stop', model_name: 'gpt-4o-mini-2024-07-18' });
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 19, output_tokens: 9, total_tokens: 28 });
    const sent = openai.last();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test-openai-key-0123456789');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, messages: [{ role: 'user', content: 'Hello' }] });
    expect(sent.body.stream).toBeFalsy();
    expect(await gw.waitForRow(rec.last())).toMatchObject({
      endpoint: 'chat', provider: 'openai', model: 'gpt-4o-mini', stream: false, status: 200, promptTokens: 19, completionTokens: 9, estimated: false,
    });
  });

  test('stream with streamUsage: the text in chunks, usage_metadata from the usage chunk; the row has the same counts', async () => {
    openaiAnswer = chatAnswer(null, readChunks('openai', 'text.chunks.txt'));
    const { message, chunks } = await collect(await chat({ streamUsage: true }).stream('Hello'));
    expect(message.content).toBe(TEXT);
    expect(chunks).toBeGreaterThan(4);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 19, output_tokens: 9, total_tokens: 28 });
    expect(openai.last().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', stream: true, status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('stream with streamUsage off: no usage_metadata for the client, the row still counts the upstream usage', async () => {
    openaiAnswer = chatAnswer(null, readChunks('openai', 'text.chunks.txt'));
    const { message } = await collect(await chat({ streamUsage: false }).stream('Hello'));
    expect(message.content).toBe(TEXT);
    expect(message.usage_metadata).toBeUndefined();
    expect(openai.last().body.stream_options).toEqual({ include_usage: true });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ stream: true, promptTokens: 19, completionTokens: 9 });
  });

  test('bindTools: two parallel calls parsed, then the ToolMessages go back with their call ids', async () => {
    const model = chat().bindTools([weatherTool]);
    openaiAnswer = chatAnswer(fixtureJson('openai', 'tools.json'), []);
    const user = new HumanMessage('Weather in Paris and Tokyo?');
    const mark = rec.ids.length;
    const first = await model.invoke([user]);
    expect(first.tool_calls).toEqual([
      { id: 'call_Kx9mPa2QwErT', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' },
      { id: 'call_Lm3nQb7ZxCvB', name: 'get_weather', args: { city: 'Tokyo' }, type: 'tool_call' },
    ]);
    expect(first.response_metadata.finish_reason).toBe('tool_calls');
    expect(openai.last().body.tools).toEqual([weatherTool]);

    openaiAnswer = chatAnswer(fixtureWith('openai', 'chat.json', (j) => (j.choices[0].message.content = 'Paris: 18°C and sunny. Tokyo: 24°C with rain.')), []);
    const results = first.tool_calls!.map((c, i) => new ToolMessage({ tool_call_id: c.id!, content: i === 0 ? '18°C, sunny' : '24°C, rain' }));
    const second = await model.invoke([user, first, ...results]);
    expect(second.content).toBe('Paris: 18°C and sunny. Tokyo: 24°C with rain.');
    const sent = openai.last().body.messages;
    expect(sent[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_Kx9mPa2QwErT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_Lm3nQb7ZxCvB', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
      ],
    });
    expect(sent.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'call_Lm3nQb7ZxCvB', content: '24°C, rain' },
    ]);
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ status: 200, promptTokens: 82, completionTokens: 46 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ status: 200, promptTokens: 19, completionTokens: 9 });
  });

  test('bindTools streamed: both calls assembled from the relayed deltas, usage on the last chunk', async () => {
    openaiAnswer = chatAnswer(null, readChunks('openai', 'tools.chunks.txt'));
    const { message } = await collect(await chat({ streamUsage: true }).bindTools([weatherTool]).stream('Weather in Paris and Tokyo?'));
    expect(message.tool_calls!.map((c) => [c.id, c.name, c.args])).toEqual([
      ['call_Kx9mPa2QwErT', 'get_weather', { city: 'Paris' }],
      ['call_Lm3nQb7ZxCvB', 'get_weather', { city: 'Tokyo' }],
    ]);
    expect(message.usage_metadata).toMatchObject({ input_tokens: 82, output_tokens: 46 });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ stream: true, promptTokens: 82, completionTokens: 46 });
  });

  test('withStructuredOutput (jsonSchema): response_format reaches the upstream, the JSON answer is parsed', async () => {
    openaiAnswer = chatAnswer(
      fixtureWith('openai', 'chat.json', (j) => {
        j.choices[0].message.content = '{"city":"Lyon"}';
        j.usage = { ...j.usage, prompt_tokens: 57, completion_tokens: 6, total_tokens: 63 };
      }),
      [],
    );
    const structured = chat().withStructuredOutput(weatherSchema, { name: 'weather_query', method: 'jsonSchema', strict: true });
    expect(await structured.invoke('Which city is the Croix-Rousse in?')).toEqual({ city: 'Lyon' });
    expect(openai.last().body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'weather_query', schema: weatherSchema, strict: true },
    });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, promptTokens: 57, completionTokens: 6 });
  });

  test('withStructuredOutput (functionCalling): the forced tool reaches the upstream, its arguments are parsed', async () => {
    openaiAnswer = chatAnswer(
      fixtureWith('openai', 'tools.json', (j) => {
        j.choices[0].message.tool_calls = [{ id: 'call_Sx7', type: 'function', function: { name: 'weather_query', arguments: '{"city":"Nantes"}' } }];
        j.choices[0].finish_reason = 'stop';
        j.usage = { ...j.usage, prompt_tokens: 61, completion_tokens: 8, total_tokens: 69 };
      }),
      [],
    );
    const structured = chat().withStructuredOutput(weatherSchema, { name: 'weather_query', method: 'functionCalling' });
    expect(await structured.invoke('Where is the Château des ducs de Bretagne?')).toEqual({ city: 'Nantes' });
    const sent = openai.last().body;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'weather_query', description: '', parameters: weatherSchema } }]);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'weather_query' } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, promptTokens: 61, completionTokens: 8 });
  });
});

describe('ChatOpenAI on a Claude model (chat completions translated to Anthropic Messages)', () => {
  /** Anthropic JSON for a plain call, the recorded SSE for a streamed one. */
  const anthropicPair = (name: string): Answer => (r) => (r.body?.stream ? anthropicSse(`${name}.sse`) : jsonResponse(fixtureJson('anthropic', `${name}.json`)));

  test('invoke and stream with streamUsage: Claude text, usage in OpenAI convention, one row each', async () => {
    anthropicAnswer = anthropicPair('text');
    const model = chat({ model: 'claude-sonnet-4-5', streamUsage: true });
    const reply = await model.invoke('What is 2 + 2?');
    expect(reply.content).toBe('2 + 2 = 4.');
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 12, total_tokens: 33 });
    expect(anthropic.last().path).toBe('/v1/messages');
    expect(anthropic.last().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] }]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', provider: 'anthropic', stream: false, promptTokens: 21, completionTokens: 12 });

    const { message } = await collect(await model.stream('Tell a story.'));
    expect(message.content).toBe('Once upon a time.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', provider: 'anthropic', stream: true, promptTokens: 21, completionTokens: 9 });
  });

  test('bindTools with reasoning_effort: the call and its reasoning parsed; the turn after it goes without thinking, its blocks not echoed', async () => {
    const model = chat({ model: 'claude-sonnet-4-5', modelKwargs: { reasoning_effort: 'low' } }).bindTools([weatherTool]);
    anthropicAnswer = anthropicPair('thinking-tool');
    const mark = rec.ids.length;
    const user = new HumanMessage('Weather in Paris?');
    const first = await model.invoke([user]);
    expect(first.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: { city: 'Paris', unit: 'c' }, type: 'tool_call' }]);
    expect(first.additional_kwargs.reasoning_content).toBe('The user wants the weather in Paris. I should call get_weather.');
    expect(anthropic.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: expect.any(Number) });

    anthropicAnswer = () => jsonResponse(fixtureJson('anthropic', 'after-tool.json'));
    const second = await model.invoke([user, first, new ToolMessage({ tool_call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' })]);
    expect(second.content).toBe('It is 18 °C and sunny in Paris.');
    const sent = anthropic.last().body;
    // ChatOpenAI does not send the signed thinking blocks back, and Anthropic refuses thinking on such a turn.
    expect(sent.thinking).toBeUndefined();
    expect(sent.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check the weather.' }, { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18°C, sunny' }] }] },
    ]);
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 472, completionTokens: 89 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 640, completionTokens: 15 });
  });
});

describe('ChatOpenAI on a Claude model, streamed tool loop', () => {
  test('stream with bindTools and reasoning_effort: the argument pieces concatenate into the call; the ToolMessage turn goes on', async () => {
    const model = chat({ model: 'claude-sonnet-4-5', temperature: 0.2, topP: 0.9, modelKwargs: { reasoning_effort: 'low' } }).bindTools([weatherTool]);
    anthropicAnswer = (r) => anthropicSse(r.body.messages.length === 1 ? 'thinking-tool.sse' : 'text.sse');
    const user = new HumanMessage('Weather in Paris?');
    const { message: first } = await collect(await model.stream([user]));
    expect(first.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: { city: 'Paris', unit: 'c' }, type: 'tool_call' }]);
    expect(first.content).toBe('Let me check the weather.');
    const out1 = anthropic.last().body;
    expect([out1.thinking, out1.temperature, out1.top_p]).toEqual([{ type: 'enabled', budget_tokens: 1024 }, undefined, undefined]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', stream: true, status: 200, promptTokens: 472, completionTokens: 89 });

    const { message: second } = await collect(await model.stream([user, first, new ToolMessage({ tool_call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: '18°C, sunny' })]));
    expect(second.content).toBe('Once upon a time.');
    const out2 = anthropic.last().body;
    // The turn after the calls goes without thinking (no signed blocks came back), so the temperature is sent.
    expect([out2.thinking, out2.temperature, out2.top_p]).toEqual([undefined, 0.2, undefined]);
    expect(out2.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check the weather.' }, { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: [{ type: 'text', text: '18°C, sunny' }] }] },
    ]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', stream: true, status: 200 });
  });
});

describe('ChatOpenAI on a Claude model, prompt over the window', () => {
  test("Anthropic's prompt is too long 400 is LangChain's ContextOverflowError (what its agents trim history on)", async () => {
    anthropicAnswer = () => jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 400);
    const err = await lcError(chat({ model: 'claude-sonnet-4-5' }).invoke('A very long prompt'));
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect(err.message).toContain('prompt is too long: 210000 tokens > 200000 maximum');
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', status: 400 });
  });
});

/** A Responses answer in OpenAI's shape carrying one function call (the recorded answer with its output swapped). */
const functionCallResponse = () =>
  fixtureWith('responses', 'openai-response.json', (j) => {
    j.output = [{ id: 'fc_68a1c0f5d1e2', type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'call_R3sp0nsEs', name: 'get_weather' }];
    j.tools = [{ type: 'function', name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema, strict: false }];
    j.usage = { input_tokens: 64, input_tokens_details: { cached_tokens: 0 }, output_tokens: 18, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 82 };
  });

/** The Responses SSE of a `*.chunks.txt` fixture, each event named as OpenAI names them. */
const responsesSse = (name: string) => sseEventsResponse(readChunks('responses', name).map((data) => ({ event: JSON.parse(data).type, data })));

describe('ChatOpenAI with useResponsesApi (POST /v1/responses)', () => {
  const responses = (fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}) => chat({ useResponsesApi: true, ...fields });

  test('OpenAI invoke: the output text and usage (reasoning tokens included); the row counts them', async () => {
    openaiAnswer = () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } });
    const reply = await responses({ model: 'gpt-5-mini' }).invoke('Hi');
    expect(reply.text).toBe('Hi! How can I help?');
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 78, total_tokens: 99, output_token_details: { reasoning: 64 } });
    const sent = openai.last();
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body).toMatchObject({ model: 'gpt-5-mini', input: [{ type: 'message', role: 'user', content: 'Hi' }] });
    expect(await gw.waitForRow(rec.last())).toMatchObject({
      endpoint: 'responses', provider: 'openai', status: 200, promptTokens: 21, completionTokens: 78, reasoningTokens: 64,
    });
  });

  test('OpenAI stream: the deltas make the text, usage from response.completed', async () => {
    openaiAnswer = () => responsesSse('openai-response-stream.chunks.txt');
    const { message } = await collect(await responses().stream('Hello'));
    expect(message.text).toBe('Hello! How can I help?');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 7, total_tokens: 16 });
    expect(openai.last().body.stream).toBe(true);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'responses', stream: true, status: 200, promptTokens: 9, completionTokens: 7 });
  });

  test('OpenAI tool call: the function_call parsed, then its output goes back as function_call_output', async () => {
    const model = responses().bindTools([weatherTool]);
    openaiAnswer = () => jsonResponse(functionCallResponse());
    const mark = rec.ids.length;
    const first = await model.invoke('Weather in Paris?');
    expect(first.tool_calls).toEqual([{ id: 'call_R3sp0nsEs', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' }]);
    expect(openai.last().body.tools).toEqual([
      { type: 'function', name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema, strict: null },
    ]);

    openaiAnswer = () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } });
    const second = await model.invoke([new HumanMessage('Weather in Paris?'), first, new ToolMessage({ tool_call_id: 'call_R3sp0nsEs', content: '18°C, sunny' })]);
    expect(second.text).toBe('Hi! How can I help?');
    const input = openai.last().body.input;
    expect(input).toContainEqual(expect.objectContaining({ type: 'function_call', call_id: 'call_R3sp0nsEs', name: 'get_weather', arguments: '{"city":"Paris"}' }));
    expect(input.at(-1)).toEqual({ type: 'function_call_output', call_id: 'call_R3sp0nsEs', output: '18°C, sunny' });
    const [firstId, secondId] = rec.since(mark, 2);
    expect(await gw.waitForRow(firstId!)).toMatchObject({ status: 200, promptTokens: 64, completionTokens: 18 });
    expect(await gw.waitForRow(secondId!)).toMatchObject({ status: 200, promptTokens: 21, completionTokens: 78 });
  });

  describe('bridged to DeepSeek chat', () => {
    test('invoke: the reasoning and the text; the upstream got a chat request; usage in OpenAI convention', async () => {
      deepseekAnswer = chatAnswer(fixtureJson('deepseek', 'chat.json'), []);
      const reply = await responses({ model: 'deepseek-reasoner' }).invoke('Hello');
      expect(reply.text).toBe('Hello! How can I help?');
      expect(reply.usage_metadata).toMatchObject({ input_tokens: 24, output_tokens: 58, total_tokens: 82, output_token_details: { reasoning: 49 } });
      const sent = deepseek.last();
      expect(sent.path).toBe('/chat/completions');
      expect(sent.body.messages.at(-1)).toEqual({ role: 'user', content: 'Hello' });
      expect(await gw.waitForRow(rec.last())).toMatchObject({
        endpoint: 'responses', provider: 'deepseek', status: 200, promptTokens: 24, completionTokens: 58, cachedTokens: 16, reasoningTokens: 49,
      });
    });

    test('stream: the text from the bridged events, usage from response.completed', async () => {
      deepseekAnswer = chatAnswer(null, readChunks('deepseek', 'text.chunks.txt'));
      const { message } = await collect(await responses({ model: 'deepseek-reasoner' }).stream('Hello'));
      expect(message.text).toBe('Hello! How can I help?');
      expect(message.usage_metadata).toMatchObject({ input_tokens: 24, output_tokens: 58, total_tokens: 82 });
      expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'responses', provider: 'deepseek', stream: true, promptTokens: 24, completionTokens: 58 });
    });

    test('tool calls round trip: both calls parsed, their outputs reach DeepSeek as tool messages', async () => {
      const model = responses({ model: 'deepseek-reasoner' }).bindTools([weatherTool]);
      deepseekAnswer = chatAnswer(fixtureJson('deepseek', 'tools.json'), []);
      const mark = rec.ids.length;
      const user = new HumanMessage('Weather in Paris and Tokyo?');
      const first = await model.invoke([user]);
      expect(first.tool_calls!.map((c) => [c.id, c.name, c.args])).toEqual([
        ['call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', 'get_weather', { city: 'Paris' }],
        ['call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c', 'get_weather', { city: 'Tokyo' }],
      ]);
      expect(deepseek.last().body.tools).toEqual([weatherTool]);

      deepseekAnswer = chatAnswer(fixtureJson('deepseek', 'chat.json'), []);
      const outputs = first.tool_calls!.map((c, i) => new ToolMessage({ tool_call_id: c.id!, content: i === 0 ? '18°C, sunny' : '24°C, rain' }));
      const second = await model.invoke([user, first, ...outputs]);
      expect(second.text).toBe('Hello! How can I help?');
      const sent = deepseek.last().body.messages;
      expect(sent.filter((m: any) => m.role === 'tool')).toEqual([
        { role: 'tool', tool_call_id: 'call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', content: '18°C, sunny' },
        { role: 'tool', tool_call_id: 'call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c', content: '24°C, rain' },
      ]);
      const [firstId, secondId] = rec.since(mark, 2);
      expect(await gw.waitForRow(firstId!)).toMatchObject({ provider: 'deepseek', status: 200, promptTokens: 210, completionTokens: 64 });
      expect(await gw.waitForRow(secondId!)).toMatchObject({ provider: 'deepseek', status: 200, promptTokens: 24, completionTokens: 58 });
    });

    test('tool calls streamed: both calls assembled from the bridged events', async () => {
      deepseekAnswer = chatAnswer(null, readChunks('deepseek', 'tools.chunks.txt'));
      const { message } = await collect(await responses({ model: 'deepseek-chat' }).bindTools([weatherTool]).stream('Weather in Paris and Tokyo?'));
      expect(message.tool_calls!.map((c) => [c.name, c.args])).toEqual([
        ['get_weather', { city: 'Paris' }],
        ['get_weather', { city: 'Tokyo' }],
      ]);
      expect(message.usage_metadata).toMatchObject({ input_tokens: 210, output_tokens: 40 });
      expect(await gw.waitForRow(rec.last())).toMatchObject({ stream: true, promptTokens: 210, completionTokens: 40 });
    });
  });
});

describe('OpenAIEmbeddings over /v1/embeddings', () => {
  test('embedQuery and embedDocuments: the upstream vectors, one row per call with its tokens', async () => {
    openaiAnswer = (r) => openaiEmbeddingAnswer(r.body, 7);
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
    openaiAnswer = () =>
      jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429);
    const err = await lcError(chat().invoke('Hello'));
    expect(err.status).toBe(429);
    expect(err.lc_error_code).toBe('MODEL_RATE_LIMIT');
    expect(err.message).toContain('Rate limit reached for gpt-4o-mini');
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'chat', provider: 'openai', status: 429 });
  });
});
