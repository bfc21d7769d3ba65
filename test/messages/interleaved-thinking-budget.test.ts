/**
 * A thinking budget not below max_tokens on a translated target. Anthropic refuses it (400
 * invalid_request_error) unless the client sent the interleaved-thinking beta
 * (`anthropic-beta: interleaved-thinking-2025-05-14`), under which the budget is the whole turn's
 * and may exceed max_tokens. The gateway held translated targets to the rule without the beta
 * too: a client with the beta (Claude Code sends it on every turn) was refused what Anthropic
 * serves. Driven with the official SDK's beta client over real HTTP; one log row each.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicClient, foldChatChunks } from './messages-helpers';
import { startRefusalGateway, stopRefusalGateway } from './anthropic-refusals';

const INTERLEAVED = 'interleaved-thinking-2025-05-14';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  const answer = foldChatChunks(readChunks('openai', 'text.chunks.txt'));
  openai = startFakeUpstream(() => jsonResponse(answer));
  anthropic = startFakeUpstream(() => jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: 'fake: not for Anthropic' } }, 400));
  gw = await startRefusalGateway(openai, anthropic);
  client = anthropicClient(gw);
});
afterAll(() => stopRefusalGateway(gw, openai, anthropic));

const ask = (betas: string[] | undefined, budget: number) =>
  client.beta.messages.create({
    model: 'openai/o4-mini', max_tokens: 16_000, ...(betas && { betas }),
    thinking: { type: 'enabled', budget_tokens: budget },
    messages: [{ role: 'user', content: 'Hello' }],
  });

test('with the interleaved-thinking beta a budget above max_tokens is served: the most effort, max_tokens unchanged; one row', async () => {
  const calls = openai.requests.length;
  const { data: msg, response } = await ask(['claude-code-20250219', INTERLEAVED], 40_000).withResponse();
  expect(msg.type).toBe('message');
  expect(msg.content.map((b) => b.type)).toEqual(['text']);
  expect(openai.requests.length).toBe(calls + 1);
  expect(openai.last().body).toMatchObject({ model: 'o4-mini', max_completion_tokens: 16_000, reasoning_effort: 'high' });
  const id = response.headers.get('x-request-id')!;
  expect(await gw.waitForRow(id)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });
  expect(gw.logs.filter((r) => r.requestId === id)).toHaveLength(1);
});

test('a budget equal to max_tokens with the beta alone is served too', async () => {
  const msg = await ask([INTERLEAVED], 16_000);
  expect(msg.stop_reason).toBe('end_turn');
  expect(openai.last().body.reasoning_effort).toBe('high');
});

test('without the beta (or with other betas only) it is still refused as Anthropic refuses it, before any call; one row', async () => {
  for (const betas of [undefined, ['claude-code-20250219', 'fine-grained-tool-streaming-2025-05-14']]) {
    const calls = openai.requests.length;
    const err = await ask(betas, 40_000).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('`max_tokens` must be greater than `thinking.budget_tokens`') });
    expect(openai.requests.length).toBe(calls);
    const row = await gw.waitForRow(err.requestID);
    expect(row).toMatchObject({ endpoint: 'messages', status: 400 });
    expect(gw.logs.filter((r) => r.requestId === err.requestID)).toHaveLength(1);
  }
});

test('the beta does not lift the floor: a budget under 1024 is refused with it', async () => {
  const err = await ask([INTERLEAVED], 512).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.error.error.message).toContain('greater than or equal to 1024');
  expect(await gw.waitForRow(err.requestID)).toMatchObject({ endpoint: 'messages', status: 400 });
});
