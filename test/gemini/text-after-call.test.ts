/**
 * A Gemini answer whose parts are text, functionCall, text (a model that says what it will do,
 * calls, then says what comes next). The stream kept that order on /v1/messages (text, tool_use,
 * text blocks); the whole JSON answer joined both texts before the calls, so the same answer read
 * differently streamed and not. On /v1/chat/completions (one content string beside tool_calls)
 * the texts are joined in order without a separator, as the stream's content deltas join.
 * Replays Gemini's generateContent JSON and its stream; the official SDKs over real HTTP; one log
 * row per request, found by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chatToMessage } from '../../src/messages/chat-to-message';
import { AFTER, BEFORE, CALL, parsedParts, textCallTextGemini, weatherCall as call } from './text-call-text-rig';
import { anthropicClient, comparable, expectAnthropicOrder, parseSse, weatherTool } from '../messages/messages-helpers';

let gemini: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  gemini = textCallTextGemini();
  gw = await startGateway({ env: providerEnv('gemini', gemini.url) });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  gemini.close();
});

const params: Anthropic.MessageCreateParamsNonStreaming = {
  model: 'gemini/gemini-2.5-flash',
  max_tokens: 1024,
  tools: [weatherTool],
  messages: [{ role: 'user', content: 'Weather in Paris? Do I need an umbrella?' }],
};

test("/v1/messages JSON keeps Gemini's order: text, tool_use, text; one row", async () => {
  const { data: m, response } = await client.messages.create(params).withResponse();
  expect(m.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'text']);
  expect(m.content[0]).toMatchObject({ type: 'text', text: BEFORE.text });
  expect(m.content[1]).toMatchObject({ type: 'tool_use', name: CALL.functionCall.name, input: CALL.functionCall.args });
  expect(m.content[2]).toMatchObject({ type: 'text', text: AFTER.text });
  expect(m.stop_reason).toBe('tool_use');
  expect(gemini.last().path).toContain(':generateContent');
  const id = response.headers.get('x-request-id')!;
  expect(await gw.waitForRow(id)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'gemini', stream: false, promptTokens: 74 });
});

test('/v1/messages streamed: the same blocks in the same order as the JSON answer (the SDK\'s finalMessage)', async () => {
  const whole = await client.messages.create(params);
  const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...params, stream: true }) });
  expectAnthropicOrder(parseSse(await res.text()));
  expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'gemini', stream: true });
  const final = await client.messages.stream(params).finalMessage();
  expect(final.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'text']);
  // Gemini sends no call id: the gateway's own differ between the two, the rest must not.
  expect(comparable(final)).toEqual(comparable(whole));
});

test('/v1/chat/completions: content is the texts in order, joined as the stream joins them; the call beside it; one row each', async () => {
  const openai = gw.openai();
  const ask = { model: 'gemini/gemini-2.5-flash', tools: [{ type: 'function' as const, function: { name: weatherTool.name, parameters: weatherTool.input_schema } }], messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };
  const { data: json, response } = await openai.chat.completions.create(ask).withResponse();
  const msg = json.choices[0]!.message;
  expect(msg.content).toBe(BEFORE.text + AFTER.text);
  expect(msg.tool_calls?.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : null))).toEqual([[CALL.functionCall.name, CALL.functionCall.args]]);
  // The order is the gateway's own mark, never a field of the body.
  expect(Object.keys(msg).sort()).toEqual(['content', 'refusal', 'role', 'tool_calls']);
  expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'chat', status: 200, provider: 'gemini' });

  const stream = await openai.chat.completions.create({ ...ask, stream: true }).withResponse();
  let streamed = '';
  for await (const chunk of stream.data) streamed += chunk.choices[0]?.delta?.content ?? '';
  expect(streamed).toBe(msg.content!);
  expect(await gw.waitForRow(stream.response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'chat', status: 200, stream: true });
});

test('pure: runs of text between several calls, a call first, and the one call a client allowed', () => {
  const blocks = (parts: object[], one = false) => {
    const completion = parsedParts(parts, one);
    const m = chatToMessage(completion, { id: 'msg_1', model: 'gemini/gemini-2.5-flash', usage: null });
    return m.content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_use' ? (b.input as any).city : b.type));
  };
  const parts = [{ text: 'A' }, { text: 'B' }, call('Paris'), { text: '\n\n' }, call('Tokyo'), { text: 'C' }, { text: 'D' }];
  expect(blocks(parts)).toEqual(['AB', 'Paris', 'Tokyo', 'CD']);
  expect(blocks([call('Paris'), { text: 'After' }])).toEqual(['Paris', 'After']);
  expect(blocks([{ text: 'A' }, call('Paris'), { text: 'B' }, call('Tokyo'), { text: 'C' }])).toEqual(['A', 'Paris', 'B', 'Tokyo', 'C']);
  // disable_parallel_tool_use: the later call is gone, the text after it stays after the kept call.
  expect(blocks([{ text: 'A' }, call('Paris'), { text: 'B' }, call('Tokyo'), { text: 'C' }], true)).toEqual(['A', 'Paris', 'B', 'C']);
  // No text after a call: the message is as before (text, then the calls), and unmarked.
  expect(blocks([{ text: 'A' }, call('Paris'), call('Tokyo')])).toEqual(['A', 'Paris', 'Tokyo']);
});
