/**
 * A Claude id the models table does not list (a dated snapshot such as claude-opus-4-1-20250805)
 * but whose output limit the gateway's list knows: a client's max_tokens above it is lowered, as
 * for a model the table lists, instead of going on to Anthropic's 400. The fake refuses as
 * Anthropic does; the official OpenAI client over real HTTP.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from './fake-anthropic';

/** Output limits Anthropic enforces per dated id (its models overview). */
const LIMITS: Record<string, number> = { 'claude-opus-4-1-20250805': 32_000, 'claude-3-5-haiku-20241022': 8192 };

/** Anthropic's 400 for a max_tokens above the model's limit (the real API's message), else an answer. */
const anthropic = (_req: Request, rec: RecordedRequest) => {
  const limit = LIMITS[rec.body.model];
  if (limit && rec.body.max_tokens > limit) {
    const message = `max_tokens: ${rec.body.max_tokens} > ${limit}, which is the maximum allowed number of output tokens for ${rec.body.model}`;
    return Response.json({ type: 'error', error: { type: 'invalid_request_error', message } }, { status: 400 });
  }
  return Response.json(anthropicJson('text.json'));
};

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startFakeUpstream(anthropic);
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-listed-limit-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const ask = (model: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model: `anthropic/${model}`, messages: [{ role: 'user', content: 'Write it all.' }], max_completion_tokens: 100_000, ...extra }).withResponse();

test("max_completion_tokens above a dated id's listed limit is sent as that limit; the answer and its row are a success", async () => {
  for (const [model, limit] of Object.entries(LIMITS)) {
    const { data, response } = await ask(model);
    expect([fake.last().body.model, fake.last().body.max_tokens]).toEqual([model, limit]);
    expect(data.choices[0]!.message.content).toBe('2 + 2 = 4.');
    expect((await gw.waitForRow(response)).status).toBe(200);
  }
});

test('with reasoning_effort the budget stays below the lowered max_tokens', async () => {
  await ask('claude-opus-4-1-20250805', { reasoning_effort: 'xhigh' });
  const sent = fake.last().body;
  expect(sent.max_tokens).toBe(32_000);
  expect(sent.thinking.budget_tokens).toBeLessThan(32_000);
});
