/**
 * A no-argument tool call that Ollama answers with `arguments: ""` and DeepSeek streams without
 * argument text, as clients other than the chat SDK call see it: the Vercel AI SDK's generateText
 * and streamText run the tool with `{}` (the installed AI SDK 7 reads `""` as `{}` itself, but its
 * answer schema requires the `arguments` string, so an answer that leaves it out failed whole), and the bridged /v1/responses (neither has a Responses API of its own) gives the
 * function_call item `arguments: "{}"`, JSON and streamed; LangChain's ChatOpenAI makes it a tool
 * call with args `{}` (on `""` it filed it under invalid_tool_calls). One row per request, by x-request-id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { fixtureJson, jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { ChatOpenAI } from '@langchain/openai';
import { sdkClient } from './openai-sdk-fakes';
import { idRecorder } from './langchain-helpers';
import { DEEPSEEK_PARIS, deepseekChunks, ollamaJson } from './blank-tool-arguments-fakes';

let ollama: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
beforeAll(async () => {
  [ollama, deepseek] = [startFakeUpstream(), startFakeUpstream()];
  gw = await startGateway({ env: { ...providerEnv('ollama', `${ollama.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } });
  sdk = sdkClient(gw);
});
afterAll(async () => {
  await gw?.close();
  for (const f of [ollama, deepseek]) f?.close();
});

const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

describe('Vercel AI SDK (chat model)', () => {
  const aiModel = (model: string) => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey }).chat(model);
  /** A tool without parameters (and the weather tool), recording what each was run with. */
  function aiTools() {
    const ran: { tool: string; input: unknown }[] = [];
    const tools = {
      get_time: tool({ description: 'The current time', inputSchema: jsonSchema<Record<string, never>>({ type: 'object', properties: {} }), execute: async (input) => (ran.push({ tool: 'get_time', input }), '12:00') }),
      get_weather: tool({ description: 'Weather', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }), execute: async (input) => (ran.push({ tool: 'get_weather', input }), 'sunny') }),
    };
    return { ran, tools };
  }

  test('generateText over DeepSeek with `arguments` left out (the SDK\'s answer schema requires the string): the tool runs with {}; one row', async () => {
    const body = fixtureJson('deepseek', 'tools.json');
    body.choices[0].message.tool_calls = [{ ...body.choices[0].message.tool_calls[0], function: { name: 'get_time' } }];
    deepseek.handler = () => jsonResponse(body);
    const { ran, tools } = aiTools();
    const r = await generateText({ model: aiModel('deepseek/deepseek-chat'), prompt: 'What time is it?', tools, maxRetries: 0 });
    expect(r.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_time', {}]]);
    expect(ran).toEqual([{ tool: 'get_time', input: {} }]);
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ provider: 'deepseek', status: 200 });
  });

  test('generateText over Ollama: the no-argument tool runs with {}, no tool error; one row', async () => {
    ollama.handler = () => jsonResponse(ollamaJson(''));
    const { ran, tools } = aiTools();
    const r = await generateText({ model: aiModel('ollama/llama3.1:8b'), prompt: 'What time is it?', tools, maxRetries: 0 });
    expect(r.content.filter((p) => p.type === 'tool-error')).toEqual([]);
    expect(r.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_time', {}]]);
    expect(ran).toEqual([{ tool: 'get_time', input: {} }]);
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ provider: 'ollama', status: 200 });
  });

  test('streamText over DeepSeek: both calls run, the no-argument one with {}; one row', async () => {
    deepseek.handler = () => sseResponse(deepseekChunks());
    const { ran, tools } = aiTools();
    const r = streamText({ model: aiModel('deepseek/deepseek-chat'), prompt: 'What time is it, and the weather in Paris?', tools, maxRetries: 0 });
    const errors: unknown[] = [];
    for await (const part of r.fullStream) if (part.type === 'tool-error' || part.type === 'error') errors.push(part);
    expect(errors).toEqual([]);
    expect((await r.toolCalls).map((c) => [c.toolName, c.input])).toEqual([
      ['get_weather', JSON.parse(DEEPSEEK_PARIS)],
      ['get_time', {}],
    ]);
    expect(ran).toContainEqual({ tool: 'get_time', input: {} });
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ provider: 'deepseek', stream: true, status: 200 });
  });
});

test('LangChain ChatOpenAI over Ollama: the call is a tool call with args {}, not an invalid one; one row', async () => {
  ollama.handler = () => jsonResponse(ollamaJson(''));
  const rec = idRecorder();
  const model = new ChatOpenAI({ model: 'ollama/llama3.1:8b', apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch } });
  const ai = await model.bindTools([{ type: 'function', function: { name: 'get_time', description: 'The current time', parameters: { type: 'object', properties: {} } } }]).invoke('What time is it?');
  expect(ai.invalid_tool_calls ?? []).toEqual([]);
  expect(ai.tool_calls!.map((c) => [c.name, c.args])).toEqual([['get_time', {}]]);
  expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'ollama', status: 200 });
});

describe('bridged /v1/responses', () => {
  const tools = [
    { type: 'function' as const, name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false },
    { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
  ];

  test('Ollama JSON: the function_call item has arguments "{}"; one row', async () => {
    ollama.handler = () => jsonResponse(ollamaJson(''));
    const { data, response } = await sdk.client.responses.create({ model: 'ollama/llama3.1:8b', input: 'What time is it?', tools }).withResponse();
    const calls = data.output.filter((o: any) => o.type === 'function_call') as any[];
    expect(calls.map((c) => [c.name, c.arguments, c.status])).toEqual([['get_time', '{}', 'completed']]);
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'ollama', status: 200 });
  });

  test('DeepSeek stream: the no-argument call\'s item closes with arguments "{}", the other as sent; one row', async () => {
    deepseek.handler = () => sseResponse(deepseekChunks());
    const { data, response } = await sdk.client.responses.create({ model: 'deepseek/deepseek-chat', input: 'What time is it, and the weather in Paris?', tools, stream: true }).withResponse();
    const done: any[] = [];
    let final: any;
    for await (const e of data) {
      if (e.type === 'response.function_call_arguments.done') done.push(e.arguments);
      if (e.type === 'response.completed') final = e.response;
    }
    expect(done).toEqual([DEEPSEEK_PARIS, '{}']);
    expect(final.output.filter((o: any) => o.type === 'function_call').map((o: any) => [o.name, o.arguments])).toEqual([
      ['get_weather', DEEPSEEK_PARIS],
      ['get_time', '{}'],
    ]);
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'deepseek', stream: true, status: 200 });
  });
});
