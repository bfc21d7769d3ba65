/**
 * A budget's cap and a translated target's thinking: Gemini 2.5 and OpenAI's reasoning models
 * count thinking inside the output limit, so a thinking budget sized from the client's own ceiling
 * (Claude Code: 31,999 of 32,000; reasoning_effort high: Gemini's 24K) would spend the whole cap
 * thinking and answer nothing, stopped at max_tokens. Under a cap the thinking sent is derived from
 * the cap: the client's share of it, at most half (providers/shared/capped-thinking.ts). An uncapped request
 * is sent what it always was. /v1/responses passed through to OpenAI gets the same: its reasoning.effort
 * lowered beside the max_output_tokens the cap set. Driven with @anthropic-ai/sdk and the openai SDK (in-memory counters).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { models } from '../../src/db/schema';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv } from '../helpers/start-gateway';
import { writesAllItMay } from './budget-output-cap';
import { limitedClient, PRICE, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

const gemini = startFakeUpstream(() => jsonResponse(fixtureJson('gemini', 'text.json')));
let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig({ env: providerEnv('gemini', gemini.url) });
  rig.fake.handler = writesAllItMay;
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values([
    { id: 'think-gemini', provider: 'gemini', upstreamId: 'gemini-2.5-flash', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    // Gemini 3 with its real limits (65,536 output tokens), so a $50 budget caps it at ~25K (a lowered reservation takes half the room).
    { id: 'think-gemini3', provider: 'gemini', upstreamId: 'gemini-3-flash-preview', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 1_048_576, maxOutputTokens: 65_536, updatedAt: now },
    { id: 'think-gemini3-pro', provider: 'gemini', upstreamId: 'gemini-3-pro-preview', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 1_048_576, maxOutputTokens: 65_536, updatedAt: now },
    { id: 'think-o4', provider: 'openai', upstreamId: 'o4-mini', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    // o4-mini with its real window: a default allowance of 100K output, so a $50 budget caps it at ~25K (a lowered reservation takes half the room).
    { id: 'think-o4-full', provider: 'openai', upstreamId: 'o4-mini', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 200_000, maxOutputTokens: 100_000, updatedAt: now },
  ]).run();
  rig.gw.ctx.state.reload();
});
afterAll(async () => {
  await rig.close();
  gemini.close();
});

const sdk = (key: string) => new Anthropic({ apiKey: key, baseURL: rig.gw.url, maxRetries: 0, timeout: 20_000 });
/** Claude Code's turn: max_tokens 32,000 with a thinking budget of 31,999. */
const claudeCode = (model: string) => ({
  model, max_tokens: 32_000, thinking: { type: 'enabled' as const, budget_tokens: 31_999 },
  messages: [{ role: 'user' as const, content: 'Hello' }],
});
const generationConfig = () => gemini.last().body.generationConfig as { maxOutputTokens?: number; thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean } };

test("/v1/messages with Claude Code's thinking to Gemini 2.5 under a $10 budget: the thinking budget is at most half the cap; uncapped it is 24K as before", async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'think-gemini-capped', { budgetUsd: 10, budgetPeriod: 'total' });
  const { response } = await sdk(c.key).messages.create(claudeCode('think-gemini')).withResponse();
  const g = generationConfig();
  // Half of $10 at $0.001 a token, less the prompt's ceiling: a cap of some 4,900 tokens.
  expect(g.maxOutputTokens).toBeGreaterThan(3000);
  expect(g.maxOutputTokens).toBeLessThan(5000);
  expect(g.thinkingConfig!.thinkingBudget).toBe(Math.floor(g.maxOutputTokens! / 2));
  expect((await rig.gw.waitForRow(response)).status).toBe(200);

  // A key without a budget: the client's ceiling and Gemini's high budget, unchanged.
  const free = rig.gw.addClient('think-gemini-free');
  await sdk(free.key).messages.create(claudeCode('think-gemini'));
  expect(generationConfig().maxOutputTokens).toBe(32_000);
  expect(generationConfig().thinkingConfig!.thinkingBudget).toBe(24_576);
});

test('/v1/messages: a smaller thinking share is kept as a share of the cap (8,000 of 32,000: a quarter)', async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'think-gemini-share', { budgetUsd: 10, budgetPeriod: 'total' });
  await sdk(c.key).messages.create({ ...claudeCode('think-gemini'), thinking: { type: 'enabled', budget_tokens: 8000 } });
  const g = generationConfig();
  expect(g.maxOutputTokens).toBeLessThan(5000);
  expect(g.thinkingConfig!.thinkingBudget).toBe(Math.floor(g.maxOutputTokens! / 4));
});

test("/v1/messages with Claude Code's thinking to an OpenAI reasoning model under a $10 budget: reasoning_effort low (high uncapped)", async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'think-o4-capped', { budgetUsd: 10, budgetPeriod: 'total' });
  const { response } = await sdk(c.key).messages.create(claudeCode('think-o4')).withResponse();
  const sent = rig.fake.last().body;
  expect(sent.max_completion_tokens).toBeLessThan(5000);
  // Half the cap (~2,400) holds low's 1K of thinking, not medium's 8K.
  expect(sent.reasoning_effort).toBe('low');
  expect((await rig.gw.waitForRow(response)).status).toBe(200);

  const free = rig.gw.addClient('think-o4-free');
  await sdk(free.key).messages.create(claudeCode('think-o4'));
  expect(rig.fake.last().body.reasoning_effort).toBe('high');
  expect(rig.fake.last().body.max_completion_tokens).toBe(32_000);
});

test('chat with reasoning_effort high to Gemini 2.5 under a small budget (no max_tokens): thinkingBudget below the cap it was sent; uncapped 24K and no cap', async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'think-chat-capped', { budgetUsd: 1, budgetPeriod: 'total' });
  const ask = { model: 'think-gemini', reasoning_effort: 'high' as const, messages: [{ role: 'user' as const, content: 'Hello' }] };
  const { response } = await rig.gw.openai(c.key).chat.completions.create(ask).withResponse();
  const g = generationConfig();
  expect(g.maxOutputTokens).toBeGreaterThan(100);
  expect(g.maxOutputTokens).toBeLessThan(500);
  expect(g.thinkingConfig!.thinkingBudget).toBe(Math.floor(g.maxOutputTokens! / 2));
  expect((await rig.gw.waitForRow(response)).status).toBe(200);

  const free = rig.gw.addClient('think-chat-free');
  await rig.gw.openai(free.key).chat.completions.create(ask);
  expect(generationConfig().maxOutputTokens).toBeUndefined();
  expect(generationConfig().thinkingConfig!.thinkingBudget).toBe(24_576);
});

test('chat without reasoning_effort to Gemini 2.5 Flash under a small budget: its default dynamic thinking is bounded too', async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'think-chat-default', { budgetUsd: 1, budgetPeriod: 'total' });
  await rig.gw.openai(c.key).chat.completions.create({ model: 'think-gemini', messages: [{ role: 'user', content: 'Hello' }] });
  const g = generationConfig();
  expect(g.maxOutputTokens).toBeLessThan(500);
  expect(g.thinkingConfig!.thinkingBudget).toBe(Math.floor(g.maxOutputTokens! / 2));
});

test('Gemini 3 under a small budget: a thinking level fitting half the cap (low), never a thinkingBudget; chat without reasoning_effort (Gemini 3 thinks at high by default), /v1/messages with Claude Code\'s thinking, /v1/responses with reasoning.effort high; uncapped as before', async () => {
  rig.clock.now += 3_600_000;
  const chatKey = (await limitedClient(rig.gw, 'think-g3-chat', { budgetUsd: 1, budgetPeriod: 'total' })).key;
  const { response } = await rig.gw.openai(chatKey).chat.completions.create({ model: 'think-gemini3', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
  expect(generationConfig().maxOutputTokens).toBeLessThan(500);
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'low' });
  expect((await rig.gw.waitForRow(response)).status).toBe(200);

  await sdk((await limitedClient(rig.gw, 'think-g3-messages', { budgetUsd: 10, budgetPeriod: 'total' })).key).messages.create(claudeCode('think-gemini3'));
  expect(generationConfig().maxOutputTokens).toBeLessThan(5000);
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'low', includeThoughts: true });

  const respKey = (await limitedClient(rig.gw, 'think-g3-responses', { budgetUsd: 10, budgetPeriod: 'total' })).key;
  await rig.gw.openai(respKey).responses.create({ model: 'think-gemini3', input: 'Hello', reasoning: { effort: 'high' } });
  expect(generationConfig().maxOutputTokens).toBeLessThan(5000);
  expect(generationConfig().thinkingConfig).toMatchObject({ thinkingLevel: 'low' });
  expect(generationConfig().thinkingConfig!.thinkingBudget).toBeUndefined();

  // Uncapped: no thinkingConfig without an effort (the model's default), and high for Claude Code's budget.
  const free = rig.gw.addClient('think-g3-free');
  await rig.gw.openai(free.key).chat.completions.create({ model: 'think-gemini3', messages: [{ role: 'user', content: 'Hello' }] });
  expect(generationConfig()).toBeUndefined();
  await sdk(free.key).messages.create(claudeCode('think-gemini3'));
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'high', includeThoughts: true });
});

test('Gemini 3 under a $50 budget (~25K cap): Flash gets medium; Gemini 3 Pro, which has no medium (the adapter would send it as high), gets low', async () => {
  rig.clock.now += 3_600_000;
  const client = async (name: string) => rig.gw.openai((await limitedClient(rig.gw, name, { budgetUsd: 50, budgetPeriod: 'total' })).key);
  const hello = (model: string, effort?: 'high') => ({ model, messages: [{ role: 'user' as const, content: 'Hello' }], ...(effort ? { reasoning_effort: effort } : {}) });
  await (await client('think-g3-flash-25')).chat.completions.create(hello('think-gemini3'));
  expect(generationConfig().maxOutputTokens).toBeGreaterThan(16_384);
  expect(generationConfig().maxOutputTokens).toBeLessThan(25_000);
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'medium' });
  await (await client('think-g3-flash-25-high')).chat.completions.create(hello('think-gemini3', 'high'));
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'medium', includeThoughts: true });
  await (await client('think-g3-pro-25')).chat.completions.create(hello('think-gemini3-pro'));
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'low' });
  await (await client('think-g3-pro-25-high')).chat.completions.create(hello('think-gemini3-pro', 'high'));
  expect(generationConfig().thinkingConfig).toEqual({ thinkingLevel: 'low', includeThoughts: true });
});

/** A Responses request to the OpenAI reasoning model (passed through to OpenAI's /responses) with `effort`. */
const reasoningAsk = (effort: 'minimal' | 'low' | 'medium' | 'high', model = 'think-o4') => ({ model, input: 'Hello', reasoning: { effort } });
const sentResponses = () => rig.fake.last().body as { max_output_tokens?: number; reasoning?: { effort?: string } };

test('/v1/responses passed through to OpenAI with reasoning.effort high under a $10 budget: effort low beside the cap; uncapped sent as written', async () => {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, 'think-resp-capped', { budgetUsd: 10, budgetPeriod: 'total' });
  const { data, response } = await rig.gw.openai(c.key).responses.create(reasoningAsk('high')).withResponse();
  expect(rig.fake.last().path).toEndWith('/responses');
  const sent = sentResponses();
  expect(sent.max_output_tokens).toBeGreaterThan(3000);
  expect(sent.max_output_tokens).toBeLessThan(5000);
  // Half the cap (~2,400) holds low's 1K of thinking, not medium's 8K.
  expect(sent.reasoning).toEqual({ effort: 'low' });
  expect(data.status).toBe('incomplete');
  expect((await rig.gw.waitForRow(response)).status).toBe(200);

  const free = rig.gw.addClient('think-resp-free');
  await rig.gw.openai(free.key).responses.create(reasoningAsk('high'));
  expect(sentResponses().max_output_tokens).toBeUndefined();
  expect(sentResponses().reasoning).toEqual({ effort: 'high' });
});

test('/v1/responses under a $50 budget: high becomes medium (8K fits half a ~25K cap), never raised (minimal stays), and a client cap below the budget\'s keeps the effort', async () => {
  rig.clock.now += 3_600_000;
  // A key each: the fake upstream writes all it may, spending the whole budget.
  const client = async (name: string) => rig.gw.openai((await limitedClient(rig.gw, name, { budgetUsd: 50, budgetPeriod: 'total' })).key);
  await (await client('think-resp-medium')).responses.create(reasoningAsk('high', 'think-o4-full'));
  expect(sentResponses().max_output_tokens).toBeGreaterThan(16_384);
  expect(sentResponses().max_output_tokens).toBeLessThan(25_000);
  expect(sentResponses().reasoning).toEqual({ effort: 'medium' });
  await (await client('think-resp-minimal')).responses.create(reasoningAsk('minimal', 'think-o4-full'));
  expect(sentResponses().reasoning).toEqual({ effort: 'minimal' });
  // The client's own max_output_tokens fits the budget: nothing was lowered, the request goes as written.
  await (await client('think-resp-own-cap')).responses.create({ ...reasoningAsk('high', 'think-o4-full'), max_output_tokens: 3000 });
  expect(sentResponses().max_output_tokens).toBe(3000);
  expect(sentResponses().reasoning).toEqual({ effort: 'high' });
});

test("no effort named, to an OpenAI reasoning model (OpenAI's default: medium, 8K of thinking) under a $10 budget: chat and /v1/responses are sent low beside the cap; a $50 budget's cap holds medium, so nothing is added; uncapped nothing is added", async () => {
  rig.clock.now += 3_600_000;
  const hello = { model: 'think-o4', messages: [{ role: 'user' as const, content: 'Hello' }] };
  const small = rig.gw.openai((await limitedClient(rig.gw, 'think-default-capped', { budgetUsd: 10, budgetPeriod: 'total' })).key);
  await small.chat.completions.create(hello);
  expect(rig.fake.last().body.max_completion_tokens).toBeLessThan(5000);
  expect(rig.fake.last().body.reasoning_effort).toBe('low');
  const smallResp = rig.gw.openai((await limitedClient(rig.gw, 'think-default-resp', { budgetUsd: 10, budgetPeriod: 'total' })).key);
  await smallResp.responses.create({ model: 'think-o4', input: 'Hello' });
  expect(sentResponses().max_output_tokens).toBeLessThan(5000);
  expect(sentResponses().reasoning).toEqual({ effort: 'low' });

  const roomy = rig.gw.openai((await limitedClient(rig.gw, 'think-default-roomy', { budgetUsd: 50, budgetPeriod: 'total' })).key);
  await roomy.chat.completions.create({ ...hello, model: 'think-o4-full' });
  expect(rig.fake.last().body.max_completion_tokens).toBeGreaterThan(16_384);
  expect(rig.fake.last().body).not.toHaveProperty('reasoning_effort');

  const free = rig.gw.openai(rig.gw.addClient('think-default-free').key);
  await free.chat.completions.create(hello);
  expect(rig.fake.last().body).not.toHaveProperty('reasoning_effort');
  await free.responses.create({ model: 'think-o4', input: 'Hello' });
  expect(sentResponses()).not.toHaveProperty('reasoning');
});
