/**
 * What /v1/chat/completions bills beside plain tokens, the way a user meets it: the official openai
 * client through the real gateway, fake OpenAI and xAI upstreams replaying their usage shapes, and
 * the log row (found by the answer's request id) checked against a hand calculation.
 * - OpenAI's search models search once per request, which their answer does not count: the row
 *   adds one search fee, and a budgeted key reserves it.
 * - A request naming no service_tier runs at the project's default, which may be priority: the row
 *   bills the tier the answer names, and a budgeted key reserves the premium unless the request
 *   names another tier.
 * - xAI counts reasoning outside completion_tokens: the row bills it once, as output.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { models } from '../../src/db/schema';
import { SEARCH_CONTENT_TOKENS } from '../../src/limits/worst-case';
import { jsonResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';
import { chunks, fixture } from './load-fixture';

setDefaultTimeout(30_000);

const M = 1e6;
/** What the fake OpenAI answers with, and the tier it says served the request. */
let openaiAnswer: Record<string, any> = fixture('openai-4o-search-preview.json');
let servedTier = 'default';
/** Set: the fake OpenAI's stream is cut after its first chunk (before its usage), once `cutWhen` settles. */
let cutAfter: number | undefined;
let cutWhen: Promise<void> = Promise.resolve();
const openaiFake = startFakeUpstream((_req, recorded) => {
  const answer: Record<string, any> = { ...openaiAnswer, service_tier: servedTier };
  if (!recorded.body.stream) return jsonResponse(answer);
  const base = { id: answer.id, object: 'chat.completion.chunk', created: answer.created, model: answer.model, service_tier: servedTier, system_fingerprint: '' };
  return sseResponse([
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: answer.choices[0].message.content }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { annotations: answer.choices[0].message.annotations }, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: answer.usage },
  ].map((c) => JSON.stringify(c)), { cutAfter, holdAt: { at: 1, until: cutWhen } });
});
const grokFake = startFakeUpstream((_req, recorded) => {
  if (recorded.body.search_parameters) {
    // Live Search: the answer counts the sources it read.
    const answer = fixture('grok-3-mini-reasoning.json');
    return jsonResponse({ ...answer, usage: { ...answer.usage, num_sources_used: 3 }, citations: ['https://example.com/a', 'https://example.com/b', 'https://x.com/c'] });
  }
  if (!recorded.body.stream) return jsonResponse(fixture('grok-3-mini-reasoning.json'));
  return sseResponse(chunks('grok-3-mini-reasoning.chunks.txt').map((c) => JSON.stringify(c)));
});

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    env: { ...providerEnv('openai', `${openaiFake.url}/v1`), ...providerEnv('grok', `${grokFake.url}/v1`) },
    limitsClock: () => Date.parse('2026-03-10T12:00:00Z'),
  });
  const now = Date.now();
  gw.ctx.db.insert(models).values([
    // gpt-4o-search-preview's prices (genai-prices: 2.5 in, 10 out, no cached price).
    { id: 'searcher', provider: 'openai', upstreamId: 'gpt-4o-search-preview', inputPrice: 2.5, outputPrice: 10, contextWindow: 128_000, updatedAt: now },
    { id: 'search-api', provider: 'openai', upstreamId: 'gpt-5-search-api', inputPrice: 1.25, cachedInputPrice: 0.125, outputPrice: 10, contextWindow: 400_000, updatedAt: now },
    // gpt-4o's standard and priority prices (2.5 / 1.25 / 10, premium 1.7).
    { id: 'tiered', provider: 'openai', upstreamId: 'gpt-4o', inputPrice: 2.5, cachedInputPrice: 1.25, outputPrice: 10, priorityPriceMultiplier: 1.7, contextWindow: 128_000, updatedAt: now },
    // grok-3-mini's prices (0.3 in, 0.075 cached, 0.5 out and reasoning).
    { id: 'xai-mini', provider: 'grok', upstreamId: 'grok-3-mini', inputPrice: 0.3, cachedInputPrice: 0.075, outputPrice: 0.5, contextWindow: 131_072, updatedAt: now },
  ]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openaiFake.close();
  grokFake.close();
});

const messages = [{ role: 'user' as const, content: 'What is the top news story today?' }];
/** The search-preview fixture's tokens: 12 prompt at 2.5, 41 completion at 10. */
const SEARCH_TOKENS_USD = (12 * 2.5 + 41 * 10) / M;

test('gpt-4o-search-preview: the row bills the answer\'s tokens plus one search at $25 per 1,000 (streamed too)', async () => {
  openaiAnswer = fixture('openai-4o-search-preview.json');
  servedTier = 'default';
  const { data, response } = await gw.openai().chat.completions.create({ model: 'searcher', messages, web_search_options: {} }).withResponse();
  expect(data.choices[0]!.message.annotations?.[0]?.type).toBe('url_citation');
  expect(openaiFake.last().body.web_search_options).toEqual({});
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ model: 'searcher', promptTokens: 12, completionTokens: 41, estimated: false });
  expect(row.costUsd).toBeCloseTo(SEARCH_TOKENS_USD + 0.025, 12);

  const streamed = await gw.openai().chat.completions.create({ model: 'searcher', messages, stream: true }).withResponse();
  let text = '';
  for await (const c of streamed.data) text += c.choices[0]?.delta.content ?? '';
  expect(text).toContain('transit plan');
  expect((await gw.waitForRow(streamed.response)).costUsd).toBeCloseTo(SEARCH_TOKENS_USD + 0.025, 12);
});

test('gpt-5-search-api: one search at $10 per 1,000, its content inside the prompt tokens', async () => {
  openaiAnswer = {
    ...fixture('openai-4o-search-preview.json'), model: 'gpt-5-search-api-2025-10-14',
    usage: { prompt_tokens: 5012, completion_tokens: 700, total_tokens: 5712, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 512, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
  };
  const { response } = await gw.openai().chat.completions.create({ model: 'search-api', messages }).withResponse();
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 5012, completionTokens: 700, reasoningTokens: 512 });
  expect(row.costUsd).toBeCloseTo((5012 * 1.25 + 700 * 10) / M + 0.01, 12);
});

test('a budgeted key reserves the search model\'s call: a budget that fits the tokens but not the search is refused', async () => {
  openaiAnswer = fixture('openai-4o-search-preview.json');
  // The request's own worst case: ~30 prompt tokens by size and 50 output, then the search's fee and content.
  const c = await limitedClient(gw, 'search-model-budget', { budgetUsd: 0.02, budgetPeriod: 'day' });
  const err = await apiError(gw.openai(c.key).chat.completions.create({ model: 'searcher', messages, max_tokens: 50, service_tier: 'default' }));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  // The same budget takes gpt-4o's tokens without a search.
  servedTier = 'default';
  openaiAnswer = { ...fixture('openai-4o-search-preview.json'), model: 'gpt-4o-2024-08-06' };
  const ok = await gw.openai(c.key).chat.completions.create({ model: 'tiered', messages, max_tokens: 50, service_tier: 'default' }).withResponse();
  expect((await gw.waitForRow(ok.response)).costUsd).toBeCloseTo(SEARCH_TOKENS_USD, 12);
  expect(0.025 + (SEARCH_CONTENT_TOKENS * 2.5) / M).toBeGreaterThan(0.02);
});

test('no service_tier on a project whose default is priority: the row bills the priority the answer names', async () => {
  openaiAnswer = { ...fixture('openai-4o-search-preview.json'), model: 'gpt-4o-2024-08-06' };
  servedTier = 'priority';
  for (const tier of [undefined, 'auto'] as const) {
    const { data, response } = await gw.openai().chat.completions.create({ model: 'tiered', messages, ...(tier ? { service_tier: tier } : {}) }).withResponse();
    expect(data.service_tier).toBe('priority');
    expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(SEARCH_TOKENS_USD * 1.7, 12);
  }
  servedTier = 'default';
});

test('a budgeted key reserves the priority premium when the request names no tier (or auto), not when it names default', async () => {
  openaiAnswer = { ...fixture('openai-4o-search-preview.json'), model: 'gpt-4o-2024-08-06' };
  servedTier = 'default';
  // 1,000 output tokens at $10 per 1M: $0.01 standard, $0.017 at the premium (plus a few prompt tokens).
  const c = await limitedClient(gw, 'tier-budget', { budgetUsd: 0.0125, budgetPeriod: 'day' });
  const ask = (extra: Record<string, unknown>) => gw.openai(c.key).chat.completions.create({ model: 'tiered', messages, max_tokens: 1000, ...extra } as any);
  for (const extra of [{}, { service_tier: 'auto' }, { service_tier: 'priority' }]) {
    const err = await apiError(ask(extra));
    expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  }
  const { response } = await (ask({ service_tier: 'default' }) as any).withResponse();
  expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(SEARCH_TOKENS_USD, 12);
});

/** Streams a request whose stream the fake cuts after its first chunk; the row, once estimated. */
async function cutStream(model: string) {
  cutAfter = 1;
  let firstRead!: () => void;
  // The cut waits until the first chunk reached the client: a cut stream, not a failed try.
  cutWhen = new Promise<void>((r) => (firstRead = r));
  try {
    const { data, response } = await gw.openai().chat.completions.create({ model, messages, stream: true }).withResponse();
    const err = await apiError((async () => {
      for await (const _ of data) firstRead();
    })());
    expect(err.message).toContain('stream');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ model, estimated: true });
    expect(row.completionTokens).toBeGreaterThan(0);
    return row;
  } finally {
    cutAfter = undefined;
  }
}

test('a search model\'s stream cut before its usage: the estimate keeps the one search fee', async () => {
  openaiAnswer = fixture('openai-4o-search-preview.json');
  servedTier = 'default';
  const row = await cutStream('searcher');
  expect(row.costUsd).toBeCloseTo((row.promptTokens * 2.5 + row.completionTokens * 10) / M + 0.025, 12);
});

test('a stream served at priority cut before its usage: the estimate bills the priority the chunks named', async () => {
  openaiAnswer = { ...fixture('openai-4o-search-preview.json'), model: 'gpt-4o-2024-08-06' };
  servedTier = 'priority';
  const row = await cutStream('tiered');
  expect(row.costUsd).toBeCloseTo(((row.promptTokens * 2.5 + row.completionTokens * 10) / M) * 1.7, 12);
  servedTier = 'default';
});

/** grok-3-mini's answer: 32 prompt (6 cached), 9 completion plus 94 reasoning outside it (total 135). */
const GROK_USD = ((32 - 6) * 0.3 + 6 * 0.075 + (9 + 94) * 0.5) / M;

test('grok-3-mini: reasoning reported outside completion_tokens bills once as output, cached tokens at the cached price (streamed too)', async () => {
  const { data, response } = await gw.openai().chat.completions.create({ model: 'xai-mini', messages }).withResponse();
  // The client sees OpenAI's convention: completion_tokens includes the reasoning.
  expect(data.usage).toMatchObject({ prompt_tokens: 32, completion_tokens: 103, total_tokens: 135 });
  expect(data.usage?.completion_tokens_details?.reasoning_tokens).toBe(94);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 32, cachedTokens: 6, completionTokens: 103, reasoningTokens: 94, estimated: false });
  expect(row.costUsd).toBeCloseTo(GROK_USD, 12);

  const streamed = await gw.openai().chat.completions.create({ model: 'xai-mini', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
  let usage: any = null;
  for await (const c of streamed.data) if (c.usage) usage = c.usage;
  expect(usage).toMatchObject({ prompt_tokens: 32, completion_tokens: 103, total_tokens: 135 });
  const srow = await gw.waitForRow(streamed.response);
  expect(srow).toMatchObject({ completionTokens: 103, reasoningTokens: 94 });
  expect(srow.costUsd).toBeCloseTo(GROK_USD, 12);
});

test("xAI Live Search: the row bills each source the usage counts (num_sources_used) at $0.025; a budget reserves max_search_results of them", async () => {
  const body = { model: 'xai-mini', messages, max_tokens: 200, search_parameters: { mode: 'on', max_search_results: 3 } };
  const { response } = await (gw.openai().chat.completions.create(body as any) as any).withResponse();
  expect(grokFake.last().body.search_parameters).toEqual({ mode: 'on', max_search_results: 3 });
  expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(GROK_USD + 3 * 0.025, 12);
  // Room for the tokens and 3 sources, not for the 20 an unnamed max_search_results may read.
  const c = await limitedClient(gw, 'live-search-budget', { budgetUsd: 0.1, budgetPeriod: 'day' });
  const err = await apiError(gw.openai(c.key).chat.completions.create({ ...body, search_parameters: { mode: 'on' } } as any));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  const ok = await (gw.openai(c.key).chat.completions.create(body as any) as any).withResponse();
  expect((await gw.waitForRow(ok.response)).costUsd).toBeCloseTo(GROK_USD + 3 * 0.025, 12);
});
