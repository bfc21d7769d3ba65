/**
 * Anthropic's `stop_reason: "pause_turn"`: it paused a long turn while its server tools (web search)
 * were at work; the answer is not complete. OpenAI's finish_reason has no "paused": chat clients
 * get `length` (not `stop`, which an agent loop takes for a finished turn), /v1/responses clients
 * `incomplete`. Replays Anthropic's wire shape (server_tool_use and web_search_tool_result blocks).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { json, sse } from './fake-anthropic';

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-pause-turn-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const ask = { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'How much solar was added in 2025?' }] };

test('chat: a paused turn finishes as length, not stop; its text is kept', async () => {
  fake.handler = json('pause-turn.json');
  const { data, response } = await client.chat.completions.create(ask).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('length');
  expect(data.choices[0]!.message.content).toBe("I'll search for the latest figures.");
  expect((await gw.waitForRow(response)).status).toBe(200);
});

test('chat stream: the same, through the SDK stream helper', async () => {
  fake.handler = sse('pause-turn.sse');
  const final = await client.chat.completions.stream(ask).finalChatCompletion();
  expect(final.choices[0]!.finish_reason).toBe('length');
  expect(final.choices[0]!.message.content).toBe("I'll search for the latest figures.");
});

test('responses: a paused turn is an incomplete response, not a completed one', async () => {
  fake.handler = json('pause-turn.json');
  const r = await client.responses.create({ model: ask.model, input: ask.messages[0]!.content });
  expect(r.status).toBe('incomplete');
  expect(r.output_text).toBe("I'll search for the latest figures.");
});
