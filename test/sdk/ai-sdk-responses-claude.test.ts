/**
 * The Vercel AI SDK's Responses model on Claude (bridged through chat), where the bridge lost
 * something the SDK sends or reads.
 *
 * Anthropic's `stop_reason: "pause_turn"` (a long turn paused while its server tools work) through
 * /v1/responses to the Vercel AI SDK's Responses model. The SDK reads `incomplete_details` as
 * `{ reason: string } | null`: an empty object fails its schema, so generateText threw a type
 * validation error and streamText ended with an error part, the text already sent lost. The
 * reason comes as `pause_turn`: the SDK says finishReason `other` (not `stop`, which an agent
 * loop takes for a finished turn) with rawFinishReason `pause_turn`, and keeps the text.
 */
import { afterAll, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse, json, sse } from '../anthropic/fake-anthropic';

const anthropic = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url } });
afterAll(() => anthropic.close());

const model = () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey }).responses('claude-sonnet-4-5');
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';
const TEXT = "I'll search for the latest figures.";

test('generateText: the paused turn is finishReason other, raw pause_turn, its text kept; one 200 row', async () => {
  anthropic.handler = json('pause-turn.json');
  const r = await generateText({ model: model(), prompt: 'How much solar was added in 2025?', maxRetries: 0 });
  expect([r.finishReason, r.rawFinishReason, r.text]).toEqual(['other', 'pause_turn', TEXT]);
  expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ endpoint: 'responses', status: 200 });
});

test('streamText: the same from response.incomplete, no error part', async () => {
  anthropic.handler = sse('pause-turn.sse');
  const r = streamText({ model: model(), prompt: 'How much solar was added in 2025?', maxRetries: 0, onError: () => {} });
  const parts: any[] = await Array.fromAsync(r.fullStream);
  expect(parts.filter((p) => p.type === 'error').map((p) => String(p.error?.message ?? p.error))).toEqual([]);
  expect([await r.finishReason, await r.rawFinishReason, await r.text]).toEqual(['other', 'pause_turn', TEXT]);
  expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ endpoint: 'responses', stream: true, status: 200 });
});

test("providerOptions.openai.safetyIdentifier reaches Anthropic as metadata.user_id, as it does through chat", async () => {
  anthropic.handler = json('text.json');
  const r = await generateText({ model: model(), prompt: 'Hi', maxRetries: 0, providerOptions: { openai: { safetyIdentifier: 'user-7f3a' } } });
  expect(anthropic.last().body.metadata).toEqual({ user_id: 'user-7f3a' });
  expect(r.text).toBe('2 + 2 = 4.');
});

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string; unit?: string }>({ type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, sky: 'sunny' }),
});

/**
 * With previousResponseId set for each step, the SDK sends the conversation again, its function_call
 * with the arguments as it re-serialised them (`{"city":"Paris","unit":"c"}`). Claude streams them
 * as it writes them (`{"city": "Paris", "unit": "c"}`): compared as text, the call was not known for
 * one the stored conversation holds, so Anthropic got it twice in the assistant turn (a duplicate
 * tool_use id, which it refuses) with one tool_result.
 */
test('streamText tool loop with previousResponseId: the call streamed with spaces goes up once', async () => {
  let n = 0;
  anthropic.handler = () => (n++ === 0 ? anthropicSse('thinking-tool.sse') : anthropicSse('text.sse'));
  const r = streamText({
    model: model(), prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, onError: () => {},
    prepareStep: ({ steps }) => (steps.length ? { providerOptions: { openai: { previousResponseId: steps.at(-1)!.providerMetadata!.openai!.responseId as string } } } : {}),
  });
  expect(await r.text).toBe('Once upon a time.');
  const [, assistant, results] = anthropic.last().body.messages;
  expect(assistant.content.filter((b: any) => b.type === 'tool_use').map((b: any) => [b.id, b.input])).toEqual([['toolu_01T1x1fJ34qAmk2tNTrN7Up6', { city: 'Paris', unit: 'c' }]]);
  expect(results.content.map((b: any) => [b.type, b.tool_use_id])).toEqual([['tool_result', 'toolu_01T1x1fJ34qAmk2tNTrN7Up6']]);
});
