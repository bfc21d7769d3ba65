/**
 * LangChain JS's `ChatOpenAI` with `useResponsesApi` (POST /v1/responses) against the real
 * gateway: passed through to a fake OpenAI, and bridged to a fake DeepSeek's chat API. Each case
 * checks what LangChain made of the answer, what the gateway sent upstream, and the log row of the
 * call (picked by its `x-request-id`).
 */
import { describe, expect, test } from 'bun:test';
import type { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fixtureJson, fixtureText, jsonResponse, readChunks, sseEventsResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { fixtureWith, weatherSchema, weatherTool } from './langchain-helpers';
import { chatAnswer, collect, useLangChainOpenAIRig } from './langchain-openai-rig';

let gw: TestGateway;
const { openai, deepseek, answer, rec, chat } = useLangChainOpenAIRig((g) => void (gw = g));

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
    answer.openai = () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } });
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
    answer.openai = () => responsesSse('openai-response-stream.chunks.txt');
    const { message } = await collect(await responses().stream('Hello'));
    expect(message.text).toBe('Hello! How can I help?');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 7, total_tokens: 16 });
    expect(openai.last().body.stream).toBe(true);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'responses', stream: true, status: 200, promptTokens: 9, completionTokens: 7 });
  });

  test('OpenAI tool call: the function_call parsed, then its output goes back as function_call_output', async () => {
    const model = responses().bindTools([weatherTool]);
    answer.openai = () => jsonResponse(functionCallResponse());
    const mark = rec.ids.length;
    const first = await model.invoke('Weather in Paris?');
    expect(first.tool_calls).toEqual([{ id: 'call_R3sp0nsEs', name: 'get_weather', args: { city: 'Paris' }, type: 'tool_call' }]);
    expect(openai.last().body.tools).toEqual([
      { type: 'function', name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema, strict: null },
    ]);

    answer.openai = () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } });
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
      answer.deepseek = chatAnswer(fixtureJson('deepseek', 'chat.json'), []);
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
      answer.deepseek = chatAnswer(null, readChunks('deepseek', 'text.chunks.txt'));
      const { message } = await collect(await responses({ model: 'deepseek-reasoner' }).stream('Hello'));
      expect(message.text).toBe('Hello! How can I help?');
      expect(message.usage_metadata).toMatchObject({ input_tokens: 24, output_tokens: 58, total_tokens: 82 });
      expect(await gw.waitForRow(rec.last())).toMatchObject({ endpoint: 'responses', provider: 'deepseek', stream: true, promptTokens: 24, completionTokens: 58 });
    });

    test('tool calls round trip: both calls parsed, their outputs reach DeepSeek as tool messages', async () => {
      const model = responses({ model: 'deepseek-reasoner' }).bindTools([weatherTool]);
      answer.deepseek = chatAnswer(fixtureJson('deepseek', 'tools.json'), []);
      const mark = rec.ids.length;
      const user = new HumanMessage('Weather in Paris and Tokyo?');
      const first = await model.invoke([user]);
      expect(first.tool_calls!.map((c) => [c.id, c.name, c.args])).toEqual([
        ['call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', 'get_weather', { city: 'Paris' }],
        ['call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c', 'get_weather', { city: 'Tokyo' }],
      ]);
      expect(deepseek.last().body.tools).toEqual([weatherTool]);

      answer.deepseek = chatAnswer(fixtureJson('deepseek', 'chat.json'), []);
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
      answer.deepseek = chatAnswer(null, readChunks('deepseek', 'tools.chunks.txt'));
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
