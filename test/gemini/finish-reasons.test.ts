/**
 * Gemini's finish reasons beyond STOP / MAX_TOKENS, through the real gateway with the openai SDK:
 * a block is `content_filter`; a tool call the model failed to make (MALFORMED_FUNCTION_CALL,
 * UNEXPECTED_TOOL_CALL) is a retryable upstream error (a group falls back), or mid-stream the
 * error chunk; the rest end the turn as `stop`.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';
import { FakeGemini } from './fake-gemini';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-finish-reasons-0123456789' } });
  gw.ctx.db
    .insert(modelGroups)
    .values({ name: 'gem-pair', strategy: 'heuristic', targets: ['gemini/gemini-2.5-flash', 'gemini/gemini-2.5-pro'], updatedAt: Date.now() })
    .run();
  gw.ctx.state.reload();
});

afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const usageMetadata = { promptTokenCount: 2595, candidatesTokenCount: 0, totalTokenCount: 2595 };
const answer = (finishReason: string, parts: unknown[] = [], extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason, index: 0, ...extra }],
  usageMetadata,
});
const MALFORMED = answer('MALFORMED_FUNCTION_CALL', [], { finishMessage: 'Malformed function call: print(default_api.save(text="...' });
const ask = { messages: [{ role: 'user' as const, content: 'save my notes' }], tools: [{ type: 'function' as const, function: { name: 'save', parameters: { type: 'object' } } }] };
const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');

test.each([
  ['SAFETY', 'content_filter'],
  ['RECITATION', 'content_filter'],
  ['BLOCKLIST', 'content_filter'],
  ['PROHIBITED_CONTENT', 'content_filter'],
  ['SPII', 'content_filter'],
  ['IMAGE_SAFETY', 'content_filter'],
  ['LANGUAGE', 'stop'],
  ['OTHER', 'stop'],
  ['TOO_MANY_TOOL_CALLS', 'stop'],
] as const)('finishReason %s -> finish_reason %s', async (reason, expected) => {
  fake.reply({ json: answer(reason) });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', ...ask }).withResponse();
  expect(data.choices[0]!.finish_reason).toBe(expected);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, promptTokens: 2595 });
});

test('non-stream MALFORMED_FUNCTION_CALL: a 502 upstream_error naming it (not an empty `stop`); the row is the failure', async () => {
  fake.reply({ json: MALFORMED });
  const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', ...ask }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.code).toBe('upstream_error');
  expect(err.message).toContain('MALFORMED_FUNCTION_CALL');
  expect(err.message).toContain('Malformed function call: print(default_api.save');
  const row = await gw.waitForRow(err.headers.get('x-request-id'));
  expect(row).toMatchObject({ provider: 'gemini', status: 502, errorType: 'upstream_error' });
  expect(row.error).toContain('MALFORMED_FUNCTION_CALL');
});

test('UNEXPECTED_TOOL_CALL in a group: retryable, the next target answers', async () => {
  fake.reply({ json: answer('UNEXPECTED_TOOL_CALL') }, { json: answer('STOP', [{ text: 'Saved.' }]) });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gem-pair', ...ask }).withResponse();
  expect(data.choices[0]!.message.content).toBe('Saved.');
  expect(data.choices[0]!.finish_reason).toBe('stop');
  const row = await gw.waitForRow(response);
  expect(row.status).toBe(200);
  expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([
    ['gemini', 502],
    ['gemini', 200],
  ]);
  // Google billed the failed try's prompt: the row's cost carries it beside the answer's.
  const billed = JSON.parse(row.attempts!)[0].billed;
  expect(billed).toMatchObject({ prompt_tokens: 2595, completion_tokens: 0, estimated: false });
  expect(billed.cost_usd).toBeGreaterThan(0);
  expect(row.costUsd).toBeGreaterThan(billed.cost_usd);
});

test("non-stream failed turns (MALFORMED_FUNCTION_CALL, MISSING_THOUGHT_SIGNATURE) are billed from Google's usageMetadata: the row's cost and the key's budget", async () => {
  const { key, id } = await limitedClient(gw, 'failed-turn-bill', { budgetUsd: 5, budgetPeriod: 'day' });
  const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  // The same usageMetadata answered as a plain STOP: what those tokens cost.
  fake.reply({ json: answer('STOP', [{ text: 'Saved.' }]) });
  const ok = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', ...ask }).withResponse();
  const price = (await gw.waitForRow(ok.response)).costUsd;
  expect(price).toBeGreaterThan(0);
  const rows = [];
  for (const [json, status] of [
    [MALFORMED, 502],
    [answer('MISSING_THOUGHT_SIGNATURE', [], { finishMessage: 'at least one thought signature from a previous call is missing' }), 400],
  ] as const) {
    fake.reply({ json });
    const err = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', ...ask }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(status);
    const row = await gw.waitForRow(err.headers.get('x-request-id'));
    expect(row).toMatchObject({ status, provider: 'gemini', estimated: false });
    expect(row.costUsd).toBeCloseTo(price, 12);
    expect(JSON.parse(row.attempts!)).toEqual([expect.objectContaining({ status, billed: { prompt_tokens: 2595, completion_tokens: 0, cost_usd: row.costUsd, estimated: false } })]);
    rows.push(row);
  }
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;
  expect(gw.ctx.limits.counters.spend(scope, Date.now())).toBeCloseTo(price * 3, 12);
  expect(gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
});

test('stream, MALFORMED_FUNCTION_CALL before any byte: a 502 before the stream starts, so a group falls back', async () => {
  fake.reply({ sse: sse(MALFORMED) }, { sse: sse(answer('STOP', [{ text: 'Saved.' }])) });
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: 'gem-pair', ...ask, stream: true }).withResponse();
  let text = '';
  let finish: string | null = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  expect([text, finish]).toEqual(['Saved.', 'stop']);
  const row = await gw.waitForRow(response);
  expect(JSON.parse(row.attempts!).map((a: any) => a.status)).toEqual([502, 200]);
});

test('stream, MALFORMED_FUNCTION_CALL after text: the stream ends with the error chunk, the row is a 502 with the usage', async () => {
  fake.reply({ sse: sse({ candidates: [{ content: { role: 'model', parts: [{ text: 'Let me save that. ' }] }, index: 0 }] }, MALFORMED) });
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', ...ask, stream: true }).withResponse();
  let text = '';
  const err = await (async () => {
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      expect(c.choices[0]?.finish_reason ?? null).toBeNull();
    }
  })().catch((e) => e);
  expect(text).toBe('Let me save that. ');
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.message).toContain('MALFORMED_FUNCTION_CALL');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 502, errorType: 'upstream_error', promptTokens: 2595 });
});
