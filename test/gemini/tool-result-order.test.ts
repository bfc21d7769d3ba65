/**
 * OpenAI pairs a tool result with its call by `tool_call_id`, so a client may send the results of
 * parallel calls in any order (the order its tools finished). Gemini 2.x gives its calls no id and
 * reads the functionResponse parts of a turn against the calls by name and place: two results of
 * one function sent back swapped were each other's answer. The gateway sends them in the order of
 * the calls. Driven as users do: the official openai client and Anthropic's (tool_result blocks in
 * any order) against the gateway, a fake Gemini on loopback.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';
import { fixtureJson } from './helpers';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-result-order-0123456789' } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'gemini/gemini-2.5-flash';
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const usageMetadata = { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30 };
const call = (city: string) => ({ functionCall: { name: 'get_weather', args: { city } } });
const threeCalls = { candidates: [{ content: { role: 'model', parts: [call('Paris'), call('Tokyo'), call('Lima')] }, finishReason: 'STOP', index: 0 }], usageMetadata };

/** The function responses of the turn after the calls, as Gemini got them: [which call's result, its city]. */
const resultsSent = () => (fake.last().body.contents[2].parts as any[]).map((p) => [p.functionResponse?.name, p.functionResponse?.response.result]);

test('chat: results sent back out of order reach Gemini in the order of the calls; a user message after them stays after them', async () => {
  fake.reply({ json: threeCalls });
  const first = await gw.openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Weather in Paris, Tokyo and Lima?' }], tools });
  const calls = first.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
  expect(calls.map((c) => JSON.parse(c.function.arguments).city)).toEqual(['Paris', 'Tokyo', 'Lima']);

  fake.reply({ json: fixtureJson('text.json') });
  const result = (c: OpenAI.ChatCompletionMessageFunctionToolCall) => ({ role: 'tool' as const, tool_call_id: c.id, content: `${JSON.parse(c.function.arguments).city}: sunny` });
  const { response } = await gw
    .openai()
    .chat.completions.create({
      model: MODEL,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris, Tokyo and Lima?' },
        { role: 'assistant', content: null, tool_calls: calls },
        result(calls[2]!),
        result(calls[0]!),
        result(calls[1]!),
        { role: 'user', content: 'And which is warmest?' },
      ],
    })
    .withResponse();
  expect(resultsSent()).toEqual([
    ['get_weather', 'Paris: sunny'],
    ['get_weather', 'Tokyo: sunny'],
    ['get_weather', 'Lima: sunny'],
    [undefined, undefined],
  ]);
  expect(fake.last().body.contents[2].parts[3]).toEqual({ text: 'And which is warmest?' });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
});

test('/v1/messages: tool_result blocks in another order than the tool_use blocks reach Gemini in the order of the calls', async () => {
  fake.reply({ json: threeCalls });
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const anthropicTools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
  const question = { role: 'user' as const, content: 'Weather in Paris, Tokyo and Lima?' };
  const first = await client.messages.create({ model: MODEL, max_tokens: 200, tools: anthropicTools, messages: [question] });
  const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  expect(uses.map((u) => (u.input as { city: string }).city)).toEqual(['Paris', 'Tokyo', 'Lima']);

  fake.reply({ json: fixtureJson('text.json') });
  const answered = [uses[1]!, uses[2]!, uses[0]!].map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `${(u.input as { city: string }).city}: sunny` }));
  const second = await client.messages.create({ model: MODEL, max_tokens: 200, tools: anthropicTools, messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: answered }] });
  expect(second.stop_reason).toBe('end_turn');
  expect(resultsSent()).toEqual([
    ['get_weather', 'Paris: sunny'],
    ['get_weather', 'Tokyo: sunny'],
    ['get_weather', 'Lima: sunny'],
  ]);
});
