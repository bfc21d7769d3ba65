/**
 * Thinking beside a forced tool (`tool_choice` `any` or `tool`). Anthropic's API refuses the pair
 * with 400 invalid_request_error "Thinking may not be enabled when tool_choice forces tool use.";
 * translated targets served it (the upstream was asked for a forced call with reasoning on). Now a
 * translated target refuses it the same way, before any upstream call, with one log row; an
 * Anthropic target gets the request as sent and its own answer is relayed (the gateway does not
 * judge for Anthropic what Anthropic judges). Driven with the official @anthropic-ai/sdk over HTTP.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicClient, foldChatChunks, weatherTool } from './messages-helpers';
import { startRefusalGateway, stopRefusalGateway } from './anthropic-refusals';

const WORDS = 'Thinking may not be enabled when tool_choice forces tool use.';

/** Anthropic's answer to the pair (its real body). */
const ANTHROPIC_REFUSAL = {
  type: 'error',
  error: { type: 'invalid_request_error', message: WORDS },
  request_id: 'req_011CVForcedToolThinking01',
};

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  const answer = foldChatChunks(readChunks('openai', 'tools.chunks.txt'));
  openai = startFakeUpstream(() => jsonResponse(answer));
  anthropic = startFakeUpstream((_r, rec) => {
    const forced = rec.body?.tool_choice?.type === 'any' || rec.body?.tool_choice?.type === 'tool';
    if (forced && rec.body?.thinking?.type === 'enabled') return jsonResponse(ANTHROPIC_REFUSAL, 400);
    return jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: `fake: unexpected ${JSON.stringify(rec.body)}` } }, 400);
  });
  gw = await startRefusalGateway(openai, anthropic);
  client = anthropicClient(gw);
});
afterAll(() => stopRefusalGateway(gw, openai, anthropic));

const FORCED = [{ type: 'any' }, { type: 'tool', name: 'get_weather' }] as const;
const THINKING = [{ type: 'enabled', budget_tokens: 2048 }, { type: 'adaptive' }] as const;

const ask = (model: string, tool_choice: Anthropic.ToolChoice, thinking: unknown, stream = false) =>
  client.messages.create({
    model, max_tokens: 4096, stream, tools: [weatherTool], tool_choice, thinking: thinking as Anthropic.ThinkingConfigParam,
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
  } as Anthropic.MessageCreateParamsNonStreaming);

for (const model of ['openai/o4-mini', 'mock/echo']) {
  test(`${model}: thinking (enabled, adaptive) with tool_choice any or tool is Anthropic's 400 before any call, JSON and stream; one row`, async () => {
    for (const choice of FORCED) {
      for (const thinking of THINKING) {
        for (const stream of [false, true]) {
          const calls = openai.requests.length;
          const err = await ask(model, choice, thinking, stream).catch((e) => e);
          expect(err).toBeInstanceOf(Anthropic.BadRequestError);
          expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: WORDS, details: { error_code: expect.any(String) } } });
          expect(openai.requests.length).toBe(calls);
          const row = await gw.waitForRow(err.requestID);
          expect(row).toMatchObject({ endpoint: 'messages', status: 400, costUsd: 0 });
          expect(row.errorType).toBe(err.error.error.details.error_code);
          expect(gw.logs.filter((r) => r.requestId === err.requestID)).toHaveLength(1);
        }
      }
    }
  });
}

test('served as before: a forced tool with thinking disabled or absent, and thinking with tool_choice auto or none', async () => {
  const cases: [Anthropic.ToolChoice, unknown][] = [
    [{ type: 'any' }, { type: 'disabled' }],
    [{ type: 'tool', name: 'get_weather' }, undefined],
    [{ type: 'auto' }, { type: 'enabled', budget_tokens: 2048 }],
    [{ type: 'none' }, { type: 'adaptive' }],
  ];
  for (const [choice, thinking] of cases) {
    const calls = openai.requests.length;
    const { data, response } = await (ask('openai/o4-mini', choice, thinking) as any).withResponse();
    expect(data.type).toBe('message');
    expect(openai.requests.length).toBe(calls + 1);
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });
  }
});

test("an Anthropic target is sent the request and Anthropic's own 400 is relayed (the gateway does not judge it twice); one row", async () => {
  const calls = anthropic.requests.length;
  const err = await ask('claude-sonnet-4-5', { type: 'any' }, { type: 'enabled', budget_tokens: 2048 }).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.error.error).toMatchObject({ type: 'invalid_request_error', message: WORDS });
  expect(anthropic.requests.length).toBe(calls + 1);
  expect(anthropic.last().body).toMatchObject({ tool_choice: { type: 'any' }, thinking: { type: 'enabled', budget_tokens: 2048 } });
  const row = await gw.waitForRow(err.requestID);
  expect(row).toMatchObject({ endpoint: 'messages', status: 400, provider: 'anthropic' });
  expect(gw.logs.filter((r) => r.requestId === err.requestID)).toHaveLength(1);
});
