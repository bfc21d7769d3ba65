/**
 * The worst case a request reserves for the tools its provider runs and bills: web and file
 * searches (their fees and the results read as input), image generation, code containers,
 * OpenAI's search models and xAI's Live Search and server-side tools.
 */
import { expect, test } from 'bun:test';
import { worstCaseOf, DEFAULT_WEB_SEARCHES, SEARCH_CONTENT_TOKENS } from '../../src/limits/worst-case';
import { worstPricesOf } from '../../src/limits/worst-prices';
import { group, makeSnapshot, model } from '../routing/snapshot-fixture';

test("a Messages request's web search tool reserves its max_uses searches (DEFAULT_WEB_SEARCHES without one): the fee and the results read as input", () => {
  const prices = { input: 1000, output: 2000, image: 0, webSearch: 0.01, contextWindow: null };
  const tokens = (300 * 1000 + 100 * 2000) / 1e6;
  const perSearch = 0.01 + (SEARCH_CONTENT_TOKENS * 1000) / 1e6;
  const search = (tool: Record<string, unknown>) => worstCaseOf('messages', { max_tokens: 100, tools: [{ name: 'get_weather', input_schema: {} }, tool] }, 300, prices);
  expect(search({ type: 'web_search_20250305', name: 'web_search', max_uses: 8 }).costUsd).toBeCloseTo(tokens + 8 * perSearch, 12);
  expect(search({ type: 'web_search_20250305', name: 'web_search' }).costUsd).toBeCloseTo(tokens + DEFAULT_WEB_SEARCHES * perSearch, 12);
  // TPM reserves one search's results on top of prompt and output.
  expect(search({ type: 'web_search_20250305', name: 'web_search', max_uses: 8 }).tokens).toBe(200 + SEARCH_CONTENT_TOKENS);
  // No search tool, or a provider that bills none: tokens only.
  expect(worstCaseOf('messages', { max_tokens: 100 }, 300, prices).costUsd).toBeCloseTo(tokens, 12);
  expect(worstCaseOf('messages', { max_tokens: 100, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 300, { ...prices, webSearch: 0 }).costUsd).toBeCloseTo(tokens, 12);
});

test("a Responses request with OpenAI's web search tool reserves max_tool_calls searches (DEFAULT_WEB_SEARCHES without it)", () => {
  const prices = { input: 1000, output: 2000, image: 0, webSearch: 0.025, openAITools: true, contextWindow: null };
  const tokens = (300 * 1000 + 100 * 2000) / 1e6;
  const perSearch = 0.025 + (SEARCH_CONTENT_TOKENS * 1000) / 1e6;
  const ask = (extra: Record<string, unknown>) => worstCaseOf('responses', { max_output_tokens: 100, ...extra }, 300, prices).costUsd;
  expect(ask({ tools: [{ type: 'web_search' }] })).toBeCloseTo(tokens + DEFAULT_WEB_SEARCHES * perSearch, 12);
  expect(ask({ tools: [{ type: 'web_search_preview' }], max_tool_calls: 3 })).toBeCloseTo(tokens + 3 * perSearch, 12);
  expect(ask({ tools: [{ type: 'function', name: 'f', parameters: {} }] })).toBeCloseTo(tokens, 12);
  // Chat runs no server-side search; a model that is not OpenAI's runs none of its tools.
  expect(worstCaseOf('chat', { max_tokens: 100, tools: [{ type: 'web_search' }] }, 300, prices).costUsd).toBeCloseTo(tokens, 12);
  expect(ask({ tools: [{ type: 'file_search' }] })).toBeCloseTo(tokens + DEFAULT_WEB_SEARCHES * (0.0025 + (SEARCH_CONTENT_TOKENS * 1000) / 1e6), 12);
  expect(worstCaseOf('responses', { max_output_tokens: 100, tools: [{ type: 'file_search' }] }, 300, { ...prices, openAITools: undefined }).costUsd).toBeCloseTo(tokens, 12);
});

test("a Responses request's image generation and code interpreter tools reserve their images and containers", () => {
  const prices = { input: 1, output: 2, image: 0, openAITools: true, contextWindow: null };
  const tokens = (300 * 1 + 100 * 2) / 1e6;
  const ask = (extra: Record<string, unknown>) => worstCaseOf('responses', { max_output_tokens: 100, ...extra }, 300, prices).costUsd;
  // gpt-image-1's dearest image (high, non-square: 6,240 tokens at $40 per 1M), max_tool_calls of them.
  expect(ask({ tools: [{ type: 'image_generation' }], max_tool_calls: 2 })).toBeCloseTo(tokens + 2 * 6_240 * 40 / 1e6, 12);
  // Its quality and size named: that image (low, square: 272 tokens); gpt-image-1-mini at $8 per 1M.
  expect(ask({ tools: [{ type: 'image_generation', quality: 'low', size: '1024x1024', model: 'gpt-image-1-mini' }], max_tool_calls: 1 })).toBeCloseTo(tokens + 272 * 8 / 1e6, 12);
  expect(ask({ tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] })).toBeCloseTo(tokens + 0.03, 12);
});

test("a follow-up that reserves the whole window still reserves its tool fees beside it, and a priority request the window at the premium", () => {
  const p = { input: 1000, output: 2000, image: 0, webSearch: 0.025, openAITools: true, contextWindow: 10_000, priorityMultiplier: 2 };
  const window = (10_000 * 2000) / 1e6;
  const follow = { previous_response_id: 'resp_1', max_output_tokens: 10, tools: [{ type: 'web_search' }], max_tool_calls: 2, service_tier: 'default' };
  const fees = 2 * (0.025 + (SEARCH_CONTENT_TOKENS * 1000) / 1e6);
  expect(worstCaseOf('responses', follow, 30, p).costUsd).toBeCloseTo(window + fees, 12);
  expect(worstCaseOf('responses', { ...follow, tools: [], service_tier: 'priority' }, 30, p).costUsd).toBeCloseTo(2 * window, 12);
});

test("OpenAI's search models reserve one search per chat request (its fee and content), a group its dearest; other models none", () => {
  const search = { ...model('gpt-4o-search-preview', 'openai'), prices: { input: 2.5, cachedInput: null, output: 10, reasoning: null, image: null } };
  const api = { ...model('gpt-5-search-api', 'openai'), prices: { input: 1.25, cachedInput: 0.125, output: 10, reasoning: null, image: null } };
  const plain = { ...model('gpt-4o', 'openai'), prices: { input: 2.5, cachedInput: 1.25, output: 10, reasoning: null, image: null } };
  const snap = makeSnapshot({ models: [search, api, plain], groups: [group('searchers', ['gpt-5-search-api', 'gpt-4o-search-preview'])] });
  expect(worstPricesOf('gpt-4o-search-preview', snap).searchModelUsd).toBe(0.025);
  expect(worstPricesOf('gpt-5-search-api', snap).searchModelUsd).toBe(0.01);
  expect(worstPricesOf('gpt-4o', snap).searchModelUsd).toBeUndefined();
  expect(worstPricesOf('searchers', snap).searchModelUsd).toBe(0.025);
  const body = { max_tokens: 100, service_tier: 'default' };
  const tokens = (300 * 2.5 + 100 * 10) / 1e6;
  const w = worstCaseOf('chat', body, 300, worstPricesOf('gpt-4o-search-preview', snap));
  expect(w.costUsd).toBeCloseTo(tokens + 0.025 + (SEARCH_CONTENT_TOKENS * 2.5) / 1e6, 12);
  expect(w.tokens).toBe(200 + SEARCH_CONTENT_TOKENS);
  expect(worstCaseOf('messages', body, 300, worstPricesOf('gpt-4o-search-preview', snap)).costUsd).toBeCloseTo(w.costUsd, 12);
  expect(worstCaseOf('chat', body, 300, worstPricesOf('gpt-4o', snap))).toMatchObject({ costUsd: tokens, tokens: 200 });
});

test("xAI's Live Search reserves max_search_results sources (20 when unnamed, at most 50) at $0.025, none when off or absent", () => {
  const grok = { ...model('grok-4', 'grok'), prices: { input: 3, cachedInput: 0.75, output: 15, reasoning: null, image: null } };
  const p = worstPricesOf('grok-4', makeSnapshot({ models: [grok] }));
  expect(p.xai).toBe(true);
  const tokens = (300 * 3 + 100 * 15) / 1e6;
  const content = (SEARCH_CONTENT_TOKENS * 3) / 1e6;
  const ask = (sp?: unknown) => worstCaseOf('chat', { max_tokens: 100, ...(sp ? { search_parameters: sp } : {}) }, 300, p).costUsd;
  expect(ask()).toBeCloseTo(tokens, 12);
  expect(ask({ mode: 'off' })).toBeCloseTo(tokens, 12);
  expect(ask({ mode: 'auto' })).toBeCloseTo(tokens + 20 * 0.025 + content, 12);
  expect(ask({ mode: 'on', max_search_results: 5 })).toBeCloseTo(tokens + 5 * 0.025 + content, 12);
  expect(ask({ max_search_results: 500 })).toBeCloseTo(tokens + 50 * 0.025 + content, 12);
});

test("xAI's Responses server-side tools reserve max_tool_calls (else DEFAULT_WEB_SEARCHES) calls of the dearest one named, searches with their content; none without tools", () => {
  const grok = { ...model('grok-4', 'grok'), prices: { input: 3, cachedInput: 0.75, output: 15, reasoning: null, image: null } };
  const p = worstPricesOf('grok-4', makeSnapshot({ models: [grok] }));
  const tokens = (300 * 3 + 100 * 15) / 1e6;
  const content = (SEARCH_CONTENT_TOKENS * 3) / 1e6;
  const ask = (extra: Record<string, unknown>) => worstCaseOf('responses', { max_output_tokens: 100, ...extra }, 300, p);
  expect(ask({}).costUsd).toBeCloseTo(tokens, 12);
  expect(ask({ tools: [{ type: 'function', name: 'f' }] }).costUsd).toBeCloseTo(tokens, 12);
  // web_search and x_search: $5 per 1,000 calls and their results as prompt.
  expect(ask({ tools: [{ type: 'x_search' }] }).costUsd).toBeCloseTo(tokens + DEFAULT_WEB_SEARCHES * (0.005 + content), 12);
  expect(ask({ tools: [{ type: 'web_search' }], max_tool_calls: 3 }).costUsd).toBeCloseTo(tokens + 3 * (0.005 + content), 12);
  expect(ask({ tools: [{ type: 'web_search' }] }).tokens).toBe(200 + SEARCH_CONTENT_TOKENS);
  // Code execution: the call's fee, no content; collections search $2.50 per 1,000 and its chunks.
  expect(ask({ tools: [{ type: 'code_interpreter' }], max_tool_calls: 4 })).toMatchObject({ costUsd: expect.closeTo(tokens + 4 * 0.005, 12), tokens: 200 });
  expect(ask({ tools: [{ type: 'file_search', vector_store_ids: ['c'] }], max_tool_calls: 2 }).costUsd).toBeCloseTo(tokens + 2 * (0.0025 + content), 12);
  // On chat, where xAI runs none of them, nothing is reserved for them.
  expect(worstCaseOf('chat', { max_tokens: 100, tools: [{ type: 'web_search' }] }, 300, p).costUsd).toBeCloseTo(tokens, 12);
});
