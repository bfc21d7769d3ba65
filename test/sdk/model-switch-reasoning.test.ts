/**
 * A tool loop that changes model half-way, as users of the SDKs do (the AI SDK's `prepareStep`, a
 * group falling back to its next target, Claude Code's model switch over /v1/messages), onto a
 * thinking model of DeepSeek or Kimi. Those refuse a conversation whose assistant tool-call turns
 * lack `reasoning_content` (DeepSeek: "The `reasoning_content` in the thinking mode must be passed
 * back to the API."; Kimi: "reasoning_content is missing in assistant tool call message at index
 * N"), and a turn another model made has none the gateway could remember: it goes up with an empty
 * one, which both take, so the loop goes on. The fakes check the field as the real APIs do.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { idRecorder } from './langchain-helpers';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const openai = startFakeUpstream();
const deepseek = startFakeUpstream();
const moonshot = startFakeUpstream();
let gw: TestGateway;
useGateway(
  (g) => {
    gw = g;
    g.ctx.db.insert(modelGroups).values({ name: 'gpt-then-reasoner', strategy: 'heuristic', targets: ['openai/gpt-4o', 'deepseek/deepseek-reasoner'], settings: { rules: [] }, updatedAt: Date.now() }).run();
    g.ctx.state.reload();
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', deepseek.url), ...providerEnv('moonshot', `${moonshot.url}/v1`) } },
);
afterAll(() => [openai, deepseek, moonshot].forEach((u) => u.close()));

/** The first assistant message with tool calls that lacks the field, as the thinking APIs check it (an empty one passes). */
const missingAt = (messages: any[]) => messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && typeof m.reasoning_content !== 'string');

/** DeepSeek in thinking mode: its 400 for a tool-call turn without reasoning_content, else its recorded stream. */
deepseek.handler = (_req, rec) =>
  missingAt(rec.body.messages) >= 0
    ? jsonResponse({ error: { message: 'The `reasoning_content` in the thinking mode must be passed back to the API.', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400)
    : rec.body.stream
      ? sseResponse(readChunks('deepseek', 'text.chunks.txt'))
      : jsonResponse(fixtureJson('deepseek', 'chat.json'));

/** Kimi K2.6 (thinking by default): its 400 naming the message, else its answer. */
moonshot.handler = (_req, rec) => {
  const i = missingAt(rec.body.messages);
  if (i >= 0) return jsonResponse({ error: { message: `thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`, type: 'invalid_request_error' } }, 400);
  return rec.body.stream ? sseResponse(readChunks('moonshot', 'text.chunks.txt')) : jsonResponse(fixtureJson('moonshot', 'chat.json'));
};

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, sky: 'sunny' }),
});

/** The messages the thinking model's fake got on its last call (the system prompt DeepSeek is given left out). */
const sentTo = (fake: typeof deepseek) => fake.last().body.messages.filter((m: any) => m.role !== 'system');

test("AI SDK prepareStep: GPT-4o makes the calls, deepseek-reasoner answers; GPT-4o's turn reaches DeepSeek with an empty reasoning_content", async () => {
  openai.handler = () => sseResponse(readChunks('openai', 'tools.chunks.txt'));
  const ids = idRecorder();
  const provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch: ids.fetch });
  const r = streamText({
    model: provider.chat('openai/gpt-4o'),
    prepareStep: ({ stepNumber }) => (stepNumber > 0 ? { model: provider.chat('deepseek/deepseek-reasoner') } : undefined),
    prompt: 'Weather in Paris and Tokyo?',
    tools: { get_weather: weather },
    stopWhen: stepCountIs(3),
    maxRetries: 0,
  });
  const errors: unknown[] = [];
  for await (const part of r.fullStream) if (part.type === 'error') errors.push(part.error);
  expect(errors).toEqual([]);
  expect(await r.text).toBe('Hello! How can I help?');
  const assistant = sentTo(deepseek)[1];
  expect(assistant).toMatchObject({ role: 'assistant', reasoning_content: '', tool_calls: [{ id: 'call_Kx9mPa2QwErT' }, { id: 'call_Lm3nQb7ZxCvB' }] });
  const [first, second] = ids.since(0, 2);
  expect(await gw.waitForRow(first!)).toMatchObject({ provider: 'openai', status: 200 });
  expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'deepseek', model: 'deepseek-reasoner', status: 200 });
});

test("a group's fallback: turn 2's first target is down, the reasoner it falls back to takes GPT-4o's turn; one row", async () => {
  const ids = idRecorder();
  const provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch: ids.fetch });
  let calls = 0;
  openai.handler = () =>
    calls++ === 0 ? sseResponse(readChunks('openai', 'tools.chunks.txt')) : jsonResponse({ error: { message: 'The server is overloaded or not ready yet.', type: 'server_error' } }, 503);
  const r = streamText({ model: provider.chat('gpt-then-reasoner'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
  const errors: unknown[] = [];
  for await (const part of r.fullStream) if (part.type === 'error') errors.push(part.error);
  expect(errors).toEqual([]);
  expect(await r.text).toBe('Hello! How can I help?');
  expect(sentTo(deepseek)[1]).toMatchObject({ role: 'assistant', reasoning_content: '' });
  const [, second] = ids.since(0, 2);
  expect(await gw.waitForRow(second!)).toMatchObject({ provider: 'deepseek', status: 200 });
});

test("Anthropic SDK over /v1/messages: a tool_use turn GPT-4o made, continued on kimi-k2.6, reaches Kimi with an empty reasoning_content", async () => {
  openai.handler = () => jsonResponse(fixtureJson('openai', 'tools.json'));
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
  const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } }];
  const question = { role: 'user' as const, content: 'Weather in Paris?' };
  const first = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 200, messages: [question], tools });
  const uses = first.content.filter((b) => b.type === 'tool_use');
  expect(uses.length).toBeGreaterThan(0);
  const { data: second, response } = await client.messages
    .create({
      model: 'moonshot/kimi-k2.6', max_tokens: 200, tools,
      messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: 'sunny' })) }],
    })
    .withResponse();
  expect(second.content).toEqual([{ type: 'text', text: 'Hello! How can I help?', citations: null }]);
  expect(sentTo(moonshot)[1]).toMatchObject({ role: 'assistant', reasoning_content: '' });
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'moonshot', status: 200 });
});
