/**
 * Gemini 3 sometimes sends a function call's thought signature in a later part (an empty text part
 * carrying only `thoughtSignature`, after the functionCall part) instead of on the call. It is the
 * turn's signature all the same: the first tool call's id carries it, as an inline one's does, so
 * the next turn sends it back on that call and Gemini does not refuse the history. Through the
 * gateway over real HTTP with the official openai client; rows by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { signatureFromToolCallId } from '../../src/providers/gemini/tool-call-id';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';
import { fixtureJson, fixtureLines } from './helpers';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-late-signature-0123456789' } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'gemini/gemini-3-pro-preview';
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } } }];
const user = { role: 'user' as const, content: 'Weather in Paris and Tokyo?' };

/** The signature the fixture sends in its last, signature-only part. */
const streamSignature = JSON.parse(fixtureLines('tool-call-late-signature.chunks.txt')[2]!).candidates[0].content.parts[0].thoughtSignature as string;
const jsonSignature = fixtureJson('tool-call-late-signature.json').candidates[0].content.parts[1].thoughtSignature as string;

/** The next turn: the calls given back with their results; what the gateway sent Gemini for the model turn. */
async function sendBack(calls: OpenAI.ChatCompletionMessageFunctionToolCall[]) {
  fake.reply({ json: fixtureJson('text.json') });
  await gw.openai().chat.completions.create({
    model: MODEL,
    tools,
    messages: [user, { role: 'assistant', content: null, tool_calls: calls }, ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: 'sunny' }))],
  });
  return fake.last().body.contents[1].parts as any[];
}

test('stream: the signature of a later empty text part is carried on the first tool call, and goes back on it', async () => {
  expect(streamSignature.length).toBeGreaterThan(100);
  fake.replySse('tool-call-late-signature.chunks.txt');
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: MODEL, messages: [user], tools, stream: true }).withResponse();
  const calls: OpenAI.ChatCompletionMessageFunctionToolCall[] = [];
  let finish: string | null = null;
  for await (const c of stream) {
    for (const t of c.choices[0]?.delta.tool_calls ?? []) calls[t.index] = { id: t.id!, type: 'function', function: { name: t.function!.name!, arguments: t.function!.arguments! } };
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  expect(finish).toBe('tool_calls');
  expect(calls.map((c) => JSON.parse(c.function.arguments).city)).toEqual(['Paris', 'Tokyo']);
  expect(signatureFromToolCallId(calls[0]!.id)).toBe(streamSignature);
  expect(signatureFromToolCallId(calls[1]!.id)).toBeUndefined();
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'gemini', stream: true, promptTokens: 61 });

  const parts = await sendBack(calls);
  expect(parts.map((p) => [p.functionCall.args.city, p.thoughtSignature])).toEqual([['Paris', streamSignature], ['Tokyo', undefined]]);
});

test('non-stream: the same, from the answer\'s parts', async () => {
  fake.reply({ json: fixtureJson('tool-call-late-signature.json') });
  const { data, response } = await gw.openai().chat.completions.create({ model: MODEL, messages: [user], tools }).withResponse();
  const calls = data.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
  expect(data.choices[0]!.finish_reason).toBe('tool_calls');
  expect(data.choices[0]!.message.content).toBeNull();
  expect(calls).toHaveLength(1);
  expect(signatureFromToolCallId(calls[0]!.id)).toBe(jsonSignature);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'gemini', stream: false, promptTokens: 58 });

  const parts = await sendBack(calls);
  expect(parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: jsonSignature }]);
});

test('a call with its own signature keeps it; a later signature-only part (a text turn\'s) does not replace it', async () => {
  const lines = fixtureLines('tool-call-gemini3.chunks.txt');
  const inline = JSON.parse(lines[1]!).candidates[0].content.parts[0].thoughtSignature;
  const last = JSON.parse(lines[2]!);
  last.candidates[0].content.parts = [{ text: '', thoughtSignature: 'b3RoZXI=' }];
  // The recorded stream, then the same with a signature-only part at its end.
  fake.replySse('tool-call-gemini3.chunks.txt').reply({ sse: [...lines.slice(0, 2), JSON.stringify(last)].map((l) => `data: ${l}\r\n\r\n`).join('') });
  for (let i = 0; i < 2; i++) {
    const stream = await gw.openai().chat.completions.create({ model: MODEL, messages: [user], tools, stream: true });
    const ids: string[] = [];
    for await (const c of stream) for (const t of c.choices[0]?.delta.tool_calls ?? []) ids[t.index] = t.id!;
    expect(ids.map(signatureFromToolCallId)).toEqual([inline, undefined]);
  }
});
