/**
 * Anthropic's real stream quirks, through /v1/chat/completions with the official OpenAI client:
 * `ping` events anywhere; server tool blocks (server_tool_use, web_search_tool_result) and a
 * citations_delta around the text; a message_delta carrying the final usage with cache counts; an
 * input_json_delta split inside a `\u` escape; a turn opening with a redacted and a signed thinking
 * block, which the client must give back whole (the SDK's stream helper keeps a delta's extra
 * field as the last chunk set it, so the blocks must come in one delta).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { chunkErrors } from './chat-schema';
import { json, queue } from './fake-anthropic';

const MODEL = 'anthropic/claude-sonnet-4-5';
const SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7J3yjlj2ZH46mbQ3wsN/xzYv1ZKflJ8jAWU/PCyy2mbRAZmVJmWFY4zKKGW6yoqMHQ8';
const REDACTED = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfSXYa5rn+o4rN0Zz5v7mUeGLeU8Ct2jm8Dq5wOIDdmYh4';
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-wire-quirks-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

/** Anthropic's event stream, one write per event, as its API sends them. */
const events = (list: object[]) => () =>
  new Response(list.map((e: any) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });
const start = (usage: object = {}) => ({
  type: 'message_start',
  message: { id: 'msg_01WireQuirks', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, ...usage } },
});
const ping = { type: 'ping' };
const delta = (index: number, d: object) => ({ type: 'content_block_delta', index, delta: d });
const block = (index: number, content_block: object) => ({ type: 'content_block_start', index, content_block });
const stop = (index: number) => ({ type: 'content_block_stop', index });
const ask = [{ role: 'user' as const, content: 'Weather in München?' }];

test('pings, server tool blocks and a citations_delta: the text alone goes out, valid chunks; cache counts of message_delta in the usage', async () => {
  fake.handler = events([
    start(), ping,
    block(0, { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: {} }),
    delta(0, { type: 'input_json_delta', partial_json: '{"query": "München weather"}' }), stop(0), ping,
    block(1, { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', title: 'Wetter', url: 'https://example.com', encrypted_content: 'Eo8B', page_age: null }] }), stop(1),
    block(2, { type: 'text', text: '', citations: [] }),
    delta(2, { type: 'citations_delta', citation: { type: 'web_search_result_location', cited_text: '18 °C', url: 'https://example.com', title: 'Wetter', encrypted_index: 'Eo8B' } }),
    delta(2, { type: 'text_delta', text: 'It is 18 °C.' }), ping, stop(2),
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 7, output_tokens: 20, server_tool_use: { web_search_requests: 1 } } },
    ping, { type: 'message_stop' },
  ]);
  const { data: stream, response } = await client.chat.completions.create({ model: MODEL, messages: ask, stream: true, stream_options: { include_usage: true } }).withResponse();
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  for (const c of chunks) expect(chunkErrors(c)).toEqual([]);
  expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('It is 18 °C.');
  expect(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])).toEqual([]);
  expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
  expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 22, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 7 } });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 22, cachedTokens: 7, cacheWriteTokens: 5, completionTokens: 20, estimated: false });
});

test('tool input split inside a \\u escape, and a call with empty input: whole JSON arguments through the SDK helper', async () => {
  fake.handler = events([
    start(),
    block(0, { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} }),
    delta(0, { type: 'input_json_delta', partial_json: '' }),
    delta(0, { type: 'input_json_delta', partial_json: '{"city": "M\\u00' }), ping,
    delta(0, { type: 'input_json_delta', partial_json: 'fcnchen"}' }), stop(0),
    block(1, { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: {} }),
    delta(1, { type: 'input_json_delta', partial_json: '' }), stop(1),
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } },
    { type: 'message_stop' },
  ]);
  const final = await client.chat.completions.stream({ model: MODEL, messages: ask, tools }).finalChatCompletion();
  const calls = final.choices[0]!.message.tool_calls!.map((c) => (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments);
  expect(calls.map((a) => JSON.parse(a))).toEqual([{ city: 'München' }, {}]);
  expect(final.choices[0]!.finish_reason).toBe('tool_calls');
});

test('a redacted and a signed thinking block before a tool call: both reach the SDK helper, and both go back next turn', async () => {
  fake.handler = queue(
    events([
      start(),
      block(0, { type: 'redacted_thinking', data: REDACTED }), stop(0),
      block(1, { type: 'thinking', thinking: '', signature: '' }),
      delta(1, { type: 'thinking_delta', thinking: 'I should call get_weather.' }),
      delta(1, { type: 'signature_delta', signature: SIGNATURE }), stop(1),
      block(2, { type: 'tool_use', id: 'toolu_01C', name: 'get_weather', input: {} }),
      delta(2, { type: 'input_json_delta', partial_json: '{"city": "Paris"}' }), stop(2),
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } },
      { type: 'message_stop' },
    ]),
    json('after-tool.json'),
  );
  const blocks = [{ type: 'redacted_thinking', data: REDACTED }, { type: 'thinking', thinking: 'I should call get_weather.', signature: SIGNATURE }];
  const messages: OpenAI.ChatCompletionMessageParam[] = [...ask];
  const first = await client.chat.completions.stream({ model: MODEL, messages, tools, reasoning_effort: 'low' }).finalChatCompletion();
  const msg = first.choices[0]!.message as any;
  expect(msg.thinking_blocks).toEqual(blocks);
  messages.push(msg, { role: 'tool', tool_call_id: 'toolu_01C', content: '18 °C' });
  await client.chat.completions.create({ model: MODEL, messages, tools, reasoning_effort: 'low' });
  expect(fake.last().body.messages[1].content).toEqual([...blocks, { type: 'tool_use', id: 'toolu_01C', name: 'get_weather', input: { city: 'Paris' } }]);
});
