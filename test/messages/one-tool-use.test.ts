/**
 * `tool_choice.disable_parallel_tool_use: true` promises at most one tool_use block. OpenAI gets
 * parallel_tool_calls: false, but Gemini's API has no such setting (the adapter drops it) and
 * OpenAI-compatible servers such as Ollama may ignore it: the chat answer under the bridge then
 * keeps the first call, JSON and stream (providers/shared/one-tool-call.ts; interleaved calls:
 * test/chat/one-tool-call.test.ts). Driven by the official @anthropic-ai/sdk against fake upstreams replaying
 * Gemini's recorded two-call answer and an OpenAI-shaped one; rows picked by request id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, expectAnthropicOrder, foldChatChunks, foldGeminiChunks } from './messages-helpers';

let gemini: FakeUpstream;
let ollama: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  const geminiCalls = readChunks('gemini', 'tool-call-gemini3.chunks.txt');
  gemini = startFakeUpstream((_r, rec) => (rec.path.includes(':streamGenerateContent') ? sseResponse(geminiCalls) : jsonResponse(foldGeminiChunks(geminiCalls))));
  // OpenAI's recorded two-call stream, served as a server that ignores parallel_tool_calls would.
  const openaiCalls = readChunks('openai', 'tools.chunks.txt');
  ollama = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(openaiCalls) : jsonResponse(foldChatChunks(openaiCalls))));
  gw = await startGateway({ env: { ...providerEnv('gemini', gemini.url), ...providerEnv('ollama', `${ollama.url}/v1`) } });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  gemini.close();
  ollama.close();
});

const tool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
};
const ask = (model: string, tool_choice?: Anthropic.ToolChoice): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 1000,
  tools: [tool],
  ...(tool_choice ? { tool_choice } : {}),
  messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
});
const calls = (m: Anthropic.Message) => m.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use').map((b) => b.input);

describe.each([
  ['gemini', 'gemini/gemini-3-pro-preview'],
  ['ollama', 'ollama/qwen3:8b'],
])('%s answers two calls', (_provider, model) => {
  test('without the setting both reach the client', async () => {
    expect(calls(await client.messages.create(ask(model)))).toHaveLength(2);
    expect(calls(await client.messages.stream(ask(model)).finalMessage())).toHaveLength(2);
  });

  for (const type of ['auto', 'any'] as const) {
    test(`tool_choice ${type} with disable_parallel_tool_use: the first call alone (JSON and stream), stop_reason tool_use; one row each`, async () => {
      const choice = { type, disable_parallel_tool_use: true };
      const { data: json, response } = await client.messages.create(ask(model, choice)).withResponse();
      expect(calls(json)).toEqual([expect.objectContaining({ city: 'Paris' })]);
      expect(json.stop_reason).toBe('tool_use');
      expect((await gw.waitForRow(response)).status).toBe(200);

      const stream = client.messages.stream(ask(model, choice));
      const events: Anthropic.MessageStreamEvent[] = [];
      stream.on('streamEvent', (e) => events.push(structuredClone(e)));
      const final = await stream.finalMessage();
      expect(calls(final)).toEqual([expect.objectContaining({ city: 'Paris' })]);
      expect(final.stop_reason).toBe('tool_use');
      expectAnthropicOrder(events);
      expect(JSON.stringify(events)).not.toContain('Tokyo');
      expect((await gw.waitForRow(stream.request_id!)).status).toBe(200);
    });
  }
});
