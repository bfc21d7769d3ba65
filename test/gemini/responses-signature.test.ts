/**
 * Gemini 3's thought signatures across a tool round trip on /v1/responses (the bridge to chat):
 * the function_call item's call_id carries the signature (providers/gemini/tool-call-id.ts), so the
 * next turn sends it back on the call, whether the conversation continues by previous_response_id
 * (stored) or the client replays the items itself (store: false). The thinking is billed as output
 * and reported as reasoning tokens. The official openai client over real HTTP; rows by x-request-id.
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
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-responses-signature-0123' } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'gemini/gemini-3-pro-preview';
const tools: OpenAI.Responses.FunctionTool[] = [
  { type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];
const call = fixtureJson('tool-call-gemini3.json');
const signature = call.candidates[0].content.parts[0].thoughtSignature as string;

/** Turn 1: Gemini 3 calls get_weather (the recorded answer, signature inline); the function_call item. */
async function firstTurn(store: boolean) {
  fake.reply({ json: call });
  const { data, response } = await gw.openai().responses.create({ model: MODEL, input: 'Weather in Paris?', tools, store, reasoning: { effort: 'low' } }).withResponse();
  expect(fake.last().body.generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'low', includeThoughts: true });
  const item = data.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
  expect(item).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  // Gemini's thoughtsTokenCount (280) is reasoning, billed inside the output with the 17 candidate tokens.
  expect(data.usage).toMatchObject({ input_tokens: 58, output_tokens: 297, output_tokens_details: { reasoning_tokens: 280 } });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'gemini', completionTokens: 297, reasoningTokens: 280 });
  return { data, item };
}

/** The model turn Gemini was sent on the follow-up. */
const modelTurn = () => (fake.last().body.contents as any[]).find((c) => c.role === 'model');

test('previous_response_id: the stored call goes back to Gemini 3 with its thought signature', async () => {
  const { data, item } = await firstTurn(true);
  fake.reply({ json: fixtureJson('text.json') });
  const next = await gw.openai().responses.create({
    model: MODEL, tools, previous_response_id: data.id,
    input: [{ type: 'function_call_output', call_id: item.call_id, output: '{"temp_c":18}' }],
  });
  expect(next.status).toBe('completed');
  expect(modelTurn().parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature }]);
});

test('store: false, the client replays the function_call item itself: the signature rides in its call_id', async () => {
  const { item } = await firstTurn(false);
  fake.reply({ json: fixtureJson('text.json') });
  await gw.openai().responses.create({
    model: MODEL, tools, store: false,
    input: [
      { role: 'user', content: 'Weather in Paris?' },
      { type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments },
      { type: 'function_call_output', call_id: item.call_id, output: '{"temp_c":18}' },
    ],
  });
  expect(modelTurn().parts).toEqual([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature }]);
  // A call_id the client made up (history from another model): Google's documented skip sentinel, not its 400.
  fake.reply({ json: fixtureJson('text.json') });
  await gw.openai().responses.create({
    model: MODEL, tools, store: false,
    input: [
      { role: 'user', content: 'Weather in Paris?' },
      { type: 'function_call', call_id: 'call_from_elsewhere', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_from_elsewhere', output: '{"temp_c":18}' },
    ],
  });
  expect(modelTurn().parts[0].thoughtSignature).toBe('skip_thought_signature_validator');
});
