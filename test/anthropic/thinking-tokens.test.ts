/**
 * Claude's thinking count (`usage.output_tokens_details.thinking_tokens`, part of `output_tokens`),
 * the way users meet it: the openai SDK (chat and Responses, translated) and @anthropic-ai/sdk
 * (native passthrough) through the real gateway to a fake Anthropic replaying its wire shapes. The
 * row's reasoning column and the client's reasoning fields carry it; the cost is the same as the
 * same answer without the field (Claude's thinking bills at the output price, once).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureText, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from '../messages/messages-helpers';
import { anthropicJson, json, queue, sse } from './fake-anthropic';

let fake: FakeUpstream;
let gw: TestGateway;
let openai: OpenAI;
let claude: Anthropic;

beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-test-thinking-0123', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  openai = gw.openai();
  claude = anthropicClient(gw);
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

/** The fixtures at Sonnet 4.5's prices: 472 input * $3 + 89 output * $15 (41 of them thinking, at the output price). */
const COST = (472 * 3 + 89 * 15) / 1e6;
const chat = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'Weather in Paris?' }], reasoning_effort: 'low' as const };
const ask = { model: 'claude-sonnet-4-5', max_tokens: 2000, messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };

/** An SSE fixture with its text edited (a usage shape another API version sends). */
const sseEdited = (name: string, edit: (text: string) => string) => () =>
  new Response(edit(fixtureText('anthropic', name)), { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });

/** The usage of a chat stream (its usage-only last chunk). */
async function lastUsage(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) if (c.usage) usage = c.usage;
  return usage;
}

describe('chat and Responses (translated from Claude): reasoning is the thinking count', () => {
  test('JSON: completion_tokens_details.reasoning_tokens 41 of 89; the row the same; the cost that of the answer without the field', async () => {
    fake.handler = queue(json('thinking-tokens.json'), json('thinking-tool.json'));
    const { data, response } = await openai.chat.completions.create(chat).withResponse();
    expect(data.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89, completion_tokens_details: { reasoning_tokens: 41 } });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'anthropic', promptTokens: 472, completionTokens: 89, reasoningTokens: 41, estimated: false });

    const without = await openai.chat.completions.create(chat).withResponse();
    expect(without.data.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
    const plain = await gw.waitForRow(without.response);
    expect(plain).toMatchObject({ completionTokens: 89, reasoningTokens: 0 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
    expect(row.costUsd).toBe(plain.costUsd);
  });

  test('stream: message_delta\'s cumulative count (message_start says 0) reaches the usage chunk and the row', async () => {
    fake.handler = queue(sse('thinking-tokens.sse'));
    const { data: stream, response } = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } }).withResponse();
    const usage = await lastUsage(stream);
    expect(usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89, completion_tokens_details: { reasoning_tokens: 41 } });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ stream: true, promptTokens: 472, completionTokens: 89, reasoningTokens: 41, estimated: false });
    expect(row.costUsd).toBeCloseTo(COST, 12);
  });

  test('a message_delta without the field (or with null) leaves the count message_start reported: 0, as before', async () => {
    const lacking = (t: string) => t.replace(',"output_tokens_details":{"thinking_tokens":41}', '');
    const nulled = (t: string) => t.replace('"output_tokens_details":{"thinking_tokens":41}', '"output_tokens_details":null');
    for (const edit of [lacking, nulled]) {
      expect(edit(fixtureText('anthropic', 'thinking-tokens.sse'))).not.toContain('"thinking_tokens":41');
      fake.handler = queue(sseEdited('thinking-tokens.sse', edit));
      const { data: stream, response } = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } }).withResponse();
      const usage = await lastUsage(stream);
      expect(usage).toMatchObject({ completion_tokens: 89, completion_tokens_details: { reasoning_tokens: 0 } });
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ completionTokens: 89, reasoningTokens: 0 });
      expect(row.costUsd).toBeCloseTo(COST, 12);
    }
  });

  test('/v1/responses (bridged): output_tokens_details.reasoning_tokens, JSON and stream', async () => {
    fake.handler = queue(json('thinking-tokens.json'), sse('thinking-tokens.sse'));
    const { data, response } = await openai.responses.create({ model: 'claude-sonnet-4-5', input: 'Weather in Paris?', reasoning: { effort: 'low' } }).withResponse();
    expect(data.usage).toMatchObject({ input_tokens: 472, output_tokens: 89, output_tokens_details: { reasoning_tokens: 41 } });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', reasoningTokens: 41, completionTokens: 89 });

    const stream = await openai.responses.create({ model: 'claude-sonnet-4-5', input: 'Weather in Paris?', reasoning: { effort: 'low' }, stream: true });
    let done: OpenAI.Responses.Response | undefined;
    for await (const e of stream) if (e.type === 'response.completed') done = e.response;
    expect(done?.usage).toMatchObject({ output_tokens: 89, output_tokens_details: { reasoning_tokens: 41 } });
  });
});

describe('/v1/messages to Claude (passthrough): the answer as Anthropic sent it, the row with the count', () => {
  test('JSON: usage.output_tokens_details as sent; the row reasoning 41 at the cost of the answer without it', async () => {
    fake.handler = queue(json('thinking-tokens.json'));
    const { data, response } = await claude.messages.create(ask).withResponse();
    expect(data.usage).toEqual(anthropicJson('thinking-tokens.json').usage);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'messages', promptTokens: 472, completionTokens: 89, reasoningTokens: 41 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
  });

  test("stream: the SDK's final message takes message_delta's details; the row reasoning 41", async () => {
    fake.handler = queue(sse('thinking-tokens.sse'));
    const stream = claude.messages.stream(ask);
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens_details).toEqual({ thinking_tokens: 41 });
    const row = await gw.waitForRow(stream.request_id!);
    expect(row).toMatchObject({ stream: true, completionTokens: 89, reasoningTokens: 41 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
  });
});
