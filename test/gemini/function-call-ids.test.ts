/**
 * Gemini 3 gives every functionCall an `id` and asks for that exact id back on the functionResponse
 * answering it ("Always map function IDs"; a mismatch is a 400 "functionResponse.id does not match
 * functionCall.id"): with two parallel calls of the same function the id is the only thing that
 * tells the results apart. The OpenAI tool call id the client gets carries Gemini's id (beside the
 * thought signature), so the next turn sends it back on the call and on its result, whatever order
 * the results come in (they go in the calls' order: tool-result-order.test.ts). A call without an id (Gemini 2.x, which refuses an unexpected `id`) goes
 * back without one. Through the gateway over real HTTP with the official openai client.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';
import { fixtureJson } from './helpers';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-call-ids-0123456789' } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'gemini/gemini-3-flash-preview';
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const user = { role: 'user' as const, content: 'Weather in Denver and Moab?' };
const SIG = 'CiQBjz1rX2Fzc2lnbmF0dXJlLW9uZQ==';
const usageMetadata = { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30 };
const call = (city: string, id?: string, sig?: string) => ({ functionCall: { name: 'get_weather', args: { city }, ...(id ? { id } : {}) }, ...(sig ? { thoughtSignature: sig } : {}) });
const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');

/** The next turn, the results given back in the reverse order (Gemini gets them in the calls' order): the model turn and the results turn Gemini got. */
async function sendBack(calls: OpenAI.ChatCompletionMessageFunctionToolCall[]) {
  fake.reply({ json: fixtureJson('text.json') });
  const results = calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: `${JSON.parse(c.function.arguments).city}: sunny` })).reverse();
  await gw.openai().chat.completions.create({ model: MODEL, tools, messages: [user, { role: 'assistant', content: null, tool_calls: calls }, ...results] });
  const [, modelTurn, resultsTurn] = fake.last().body.contents as { parts: any[] }[];
  return { calls: modelTurn!.parts.map((p) => p.functionCall), results: resultsTurn!.parts.map((p) => p.functionResponse) };
}

test("non-stream: two parallel calls of one function keep Gemini's ids; each result goes back under its call's id", async () => {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [call('Denver', 'call_4162774', SIG), call('Moab', 'call_4162775')] }, finishReason: 'STOP', index: 0 }], usageMetadata } });
  const { data, response } = await gw.openai().chat.completions.create({ model: MODEL, messages: [user], tools }).withResponse();
  const calls = data.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
  expect(calls).toHaveLength(2);
  expect(new Set(calls.map((c) => c.id)).size).toBe(2);
  for (const c of calls) expect(c.id).toMatch(/^call_[A-Za-z0-9_-]+$/);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 20, completionTokens: 10 });

  const back = await sendBack(calls);
  expect(back.calls).toEqual([
    { name: 'get_weather', args: { city: 'Denver' }, id: 'call_4162774' },
    { name: 'get_weather', args: { city: 'Moab' }, id: 'call_4162775' },
  ]);
  expect(back.results).toEqual([
    { name: 'get_weather', id: 'call_4162774', response: { result: 'Denver: sunny' } },
    { name: 'get_weather', id: 'call_4162775', response: { result: 'Moab: sunny' } },
  ]);
});

test("stream: each call in its own chunk, ids kept the same way, the signature still on the first", async () => {
  fake.reply({
    sse: sse(
      { candidates: [{ content: { role: 'model', parts: [call('Denver', 'fc-a1b2', SIG)] }, index: 0 }], usageMetadata, responseId: 'r1' },
      { candidates: [{ content: { role: 'model', parts: [call('Moab', 'fc-c3d4')] }, finishReason: 'STOP', index: 0 }], usageMetadata, responseId: 'r1' },
    ),
  });
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: MODEL, messages: [user], tools, stream: true }).withResponse();
  const calls: OpenAI.ChatCompletionMessageFunctionToolCall[] = [];
  for await (const c of stream) for (const t of c.choices[0]?.delta.tool_calls ?? []) calls[t.index] = { id: t.id!, type: 'function', function: { name: t.function!.name!, arguments: t.function!.arguments! } };
  expect(calls).toHaveLength(2);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, stream: true });

  const back = await sendBack(calls);
  expect(back.calls.map((c) => c.id)).toEqual(['fc-a1b2', 'fc-c3d4']);
  expect(back.results.map((r) => [r.id, r.response.result])).toEqual([['fc-a1b2', 'Denver: sunny'], ['fc-c3d4', 'Moab: sunny']]);
  expect(fake.last().body.contents[1].parts[0].thoughtSignature).toBe(SIG);
});

test('calls Gemini gave no id (Gemini 2.x) go back without one, on the call and on its result', async () => {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [call('Denver'), call('Moab')] }, finishReason: 'STOP', index: 0 }], usageMetadata } });
  const data = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [user], tools });
  const back = await sendBack(data.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[]);
  for (const part of [...back.calls, ...back.results]) expect(part).not.toHaveProperty('id');
});
