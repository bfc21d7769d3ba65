/**
 * A tool call to a tool that takes no arguments reaches the client with OpenAI's `"{}"`, whatever
 * the provider answered: Ollama's OpenAI endpoint answers `arguments: ""` (JSON and stream),
 * DeepSeek opens a streamed call with `""` and sends no text after for such a call, or leaves the
 * field out. The official openai SDK's helpers (runTools, the stream helper) JSON.parse it. Text
 * an upstream gave stays exactly as sent (even no JSON), OpenAI's `"{}"` passes unchanged, and a
 * call cut by the token limit is left alone. Every request leaves one row, found by x-request-id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { inTurn, sdkClient } from './openai-sdk-fakes';
import {
  ASK, callsOf, DEEPSEEK_PARIS, deepseekChunks, finishAt, lastCallDeltaAt, NO_ARG_TOOL, ollamaChunks, ollamaJson, openaiChunks, WEATHER_TOOL,
} from './blank-tool-arguments-fakes';

let ollama: FakeUpstream;
let deepseek: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
beforeAll(async () => {
  [ollama, deepseek, openai] = [startFakeUpstream(), startFakeUpstream(), startFakeUpstream()];
  gw = await startGateway({
    env: { ...providerEnv('ollama', `${ollama.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) },
  });
  sdk = sdkClient(gw);
});
afterAll(async () => {
  await gw?.close();
  for (const f of [ollama, deepseek, openai]) f?.close();
});

const tools = [NO_ARG_TOOL, WEATHER_TOOL];

/** A streamed answer through the SDK: its chunks and the row it left. */
async function streamed(model: string, extra: Record<string, unknown> = {}) {
  const { data, response } = await sdk.client.chat.completions.create({ model, messages: ASK, tools, stream: true, ...extra }).withResponse();
  const chunks: any[] = [];
  for await (const c of data) chunks.push(c);
  for (const c of chunks) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  return { chunks, row: await gw.waitForRow(response) };
}

describe('JSON answers', () => {
  test('Ollama `arguments: ""`: "{}"; a call with text keeps it exactly, even no JSON; schema-valid; one row', async () => {
    ollama.handler = () => jsonResponse(ollamaJson('', '{"city":"Tok'));
    const { data, response } = await sdk.client.chat.completions.create({ model: 'ollama/llama3.1:8b', messages: ASK, tools }).withResponse();
    expect(data.choices[0]!.message.tool_calls!.map((c: any) => [c.function.name, c.function.arguments])).toEqual([
      ['get_time', '{}'],
      ['get_weather', '{"city":"Tok'],
    ]);
    expect(openaiSchemaErrors('CreateChatCompletionResponse', data)).toEqual([]);
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'ollama', status: 200, promptTokens: 171, completionTokens: 36, error: null });
  });

  test('DeepSeek with `arguments` left out (or whitespace): "{}"; the other call as sent', async () => {
    for (const blank of [undefined, '  ']) {
      const body = fixtureJson('deepseek', 'tools.json');
      body.choices[0].message.tool_calls[1].function = blank === undefined ? { name: 'get_time' } : { name: 'get_time', arguments: blank };
      deepseek.handler = () => jsonResponse(body);
      const { data, response } = await sdk.client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: ASK, tools }).withResponse();
      expect(data.choices[0]!.message.tool_calls!.map((c: any) => c.function.arguments)).toEqual([DEEPSEEK_PARIS, '{}']);
      expect(await gw.waitForRow(response)).toMatchObject({ provider: 'deepseek', status: 200, promptTokens: 210 });
    }
  });

  test('runTools over Ollama: the no-argument tool runs with {}, its result goes back, the final text; a row each', async () => {
    const ran: unknown[] = [];
    ollama.handler = inTurn(
      () => jsonResponse(ollamaJson('')),
      () => jsonResponse(fixtureJson('ollama', 'chat.json')),
    );
    const mark = sdk.ids.ids.length;
    const runner = sdk.client.chat.completions.runTools({
      model: 'ollama/llama3.1:8b',
      messages: ASK,
      tools: [{ type: 'function' as const, function: { name: 'get_time', description: 'The current time', parameters: { type: 'object', properties: {} }, parse: JSON.parse, function: (args: Record<string, unknown>) => { ran.push(args); return '12:00'; } } }],
    });
    expect(await runner.finalContent()).toBe('Hello! How can I help?');
    expect(ran).toEqual([{}]);
    const sent = ollama.last().body.messages;
    expect(sent.at(-2).tool_calls[0].function.arguments).toBe('{}');
    expect(sent.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_x8k2m4p1', content: '12:00' });
    for (const id of sdk.ids.since(mark, 2)) expect(await gw.waitForRow(id)).toMatchObject({ provider: 'ollama', status: 200 });
  });

  test('OpenAI passthrough: "{}" and the other arguments unchanged', async () => {
    const body = fixtureJson('openai', 'tools.json');
    body.choices[0].message.tool_calls[1].function = { name: 'get_time', arguments: '{}' };
    openai.handler = () => jsonResponse(body);
    const { data, response } = await sdk.client.chat.completions.create({ model: 'openai/gpt-4o', messages: ASK, tools }).withResponse();
    expect(data.choices[0]!.message.tool_calls!.map((c: any) => c.function.arguments)).toEqual(['{"city": "Paris"}', '{}']);
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'openai', status: 200 });
  });
});

describe('streams', () => {
  test('Ollama: the call whole in one delta with `""`; one "{}" delta for it (index 0, no id again) before the finish; the stream helper parses it', async () => {
    ollama.handler = () => sseResponse(ollamaChunks());
    const { chunks, row } = await streamed('ollama/llama3.1:8b');
    expect(callsOf(chunks)).toEqual([{ id: 'call_t1m3', name: 'get_time', pieces: ['', '{}'] }]);
    const fix = chunks.findIndex((c) => c.choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments === '{}');
    expect(chunks[fix].choices[0].delta.tool_calls).toEqual([{ index: 0, function: { arguments: '{}' } }]);
    expect(chunks[fix].choices[0].finish_reason).toBeNull();
    expect(fix).toBe(finishAt(chunks) - 1);
    expect(chunks[finishAt(chunks)].choices[0].finish_reason).toBe('tool_calls');
    expect(row).toMatchObject({ provider: 'ollama', stream: true, status: 200, promptTokens: 171, completionTokens: 36, error: null });

    // The SDK's stream helper (which JSON.parses each call's arguments) and its final completion.
    const helper = sdk.client.chat.completions.stream({ model: 'ollama/llama3.1:8b', messages: ASK, tools });
    const final = await helper.finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls!.map((c: any) => c.function.arguments)).toEqual(['{}']);
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'ollama', status: 200 });
  });

  test('a call that comes in its choice\'s finish chunk gets "{}" on its own delta there', async () => {
    const [calls, , usage, done] = ollamaChunks() as [string, string, string, string];
    const one = JSON.parse(calls);
    one.choices[0].finish_reason = 'tool_calls';
    ollama.handler = () => sseResponse([JSON.stringify(one), usage, done]);
    const { chunks } = await streamed('ollama/llama3.1:8b');
    expect(callsOf(chunks)).toEqual([{ id: 'call_t1m3', name: 'get_time', pieces: ['{}'] }]);
    expect(finishAt(chunks)).toBe(lastCallDeltaAt(chunks));
  });

  test('DeepSeek: the call opened with `""` and no text after gets "{}" on its index after its last delta, before the finish; the other call as sent', async () => {
    deepseek.handler = () => sseResponse(deepseekChunks());
    const { chunks, row } = await streamed('deepseek/deepseek-chat');
    const calls = callsOf(chunks);
    expect(calls.map((c) => [c.name, c.pieces.join('')])).toEqual([
      ['get_weather', DEEPSEEK_PARIS],
      ['get_time', '{}'],
    ]);
    expect(calls[1]!.pieces).toEqual(['', '{}']);
    expect(lastCallDeltaAt(chunks)).toBe(finishAt(chunks) - 1);
    expect(chunks[lastCallDeltaAt(chunks)].choices[0].delta.tool_calls).toEqual([{ index: 1, function: { arguments: '{}' } }]);
    expect(row).toMatchObject({ provider: 'deepseek', stream: true, status: 200, promptTokens: 210, completionTokens: 40, error: null });
  });

  test('DeepSeek with parallel_tool_calls false: only the kept first call, and only it gets "{}"', async () => {
    deepseek.handler = () => sseResponse(deepseekChunks('tool_calls', true));
    const { chunks, row } = await streamed('deepseek/deepseek-chat', { parallel_tool_calls: false });
    expect(callsOf(chunks)).toEqual([{ id: expect.any(String), name: 'get_time', pieces: ['', '{}'] }]);
    expect(row).toMatchObject({ provider: 'deepseek', status: 200 });
  });

  test('a stream cut by the token limit (`length`) gets no "{}": the call is not complete', async () => {
    deepseek.handler = () => sseResponse(deepseekChunks('length'));
    const { chunks, row } = await streamed('deepseek/deepseek-chat');
    expect(callsOf(chunks)[1]!.pieces).toEqual(['']);
    expect(chunks[finishAt(chunks)].choices[0].finish_reason).toBe('length');
    expect(row).toMatchObject({ provider: 'deepseek', status: 200 });
  });

  test('OpenAI passthrough: its "{}" delta and every other chunk as sent, no delta added', async () => {
    const sent = openaiChunks();
    openai.handler = () => sseResponse(sent);
    const { chunks, row } = await streamed('openai/gpt-4o', { stream_options: { include_usage: true } });
    expect(chunks).toEqual(sent.filter((l) => l !== '[DONE]').map((l) => JSON.parse(l)));
    expect(callsOf(chunks)[1]).toEqual({ id: 'call_Lm3nQb7ZxCvB', name: 'get_time', pieces: ['', '{}'] });
    expect(row).toMatchObject({ provider: 'openai', stream: true, status: 200, promptTokens: 82 });
  });
});
