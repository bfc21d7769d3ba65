/**
 * The worst case a request reserves: the prompt from the body's size (the budget a token a byte, its
 * ceiling; TPM 3 bytes a token, its estimate), output from its cap or the model's window.
 */
import { CLASSIFIER_MAX_OUTPUT_TOKENS } from '../../src/routing/classifier-strategy';
import { expect, test } from 'bun:test';
import { worstCaseOf, DEFAULT_WEB_SEARCHES, SEARCH_CONTENT_TOKENS } from '../../src/limits/worst-case';
import { worstPricesOf, DEFAULT_OUTPUT_TOKENS, IMAGE_INPUT_TOKENS } from '../../src/limits/worst-prices';
import { PDF_PAGE_MAX_TOKENS } from '../../src/usage/file-tokens';
import { makePdf, pdfDataUri } from '../helpers/make-pdf';
import { group, makeSnapshot, model } from '../routing/snapshot-fixture';

const prices = { input: 1000, output: 2000, image: 0.04, contextWindow: 10_000 };

test('chat: the budget reserves the prompt at a token a byte, TPM at bytes / 3, plus max_tokens (or max_completion_tokens) at the output price', () => {
  expect(worstCaseOf('chat', { max_tokens: 100 }, 300, prices)).toEqual({ costUsd: (300 * 1000 + 100 * 2000) / 1e6, tokens: 200 });
  // The ceiling stops at the model's window (a longer prompt is refused upstream); the estimate does not.
  expect(worstCaseOf('chat', { max_tokens: 100 }, 20_000, prices)).toEqual({ costUsd: (10_000 * 1000 + 100 * 2000) / 1e6, tokens: 6_667 + 100 });
  expect(worstCaseOf('chat', { max_completion_tokens: 50, max_tokens: 100 }, 300, prices).tokens).toBe(150);
  expect(worstCaseOf('responses', { max_output_tokens: 10 }, 30, prices).tokens).toBe(20);
});

test('without a cap the budget reserves the context window as output (the prompt estimate is no lower bound), TPM at most the default allowance', () => {
  const w = worstCaseOf('chat', {}, 300, prices);
  expect(w.costUsd).toBeCloseTo((300 * 1000 + 10_000 * 2000) / 1e6, 12);
  expect(w.tokens).toBe(100 + 10_000);
  // 6,000 bytes of English are ~1,500 tokens, estimated 2,000: the answer may write 8,500, more
  // than the 8,000 the window less the estimate would leave.
  expect(worstCaseOf('chat', {}, 6_000, prices).costUsd).toBeGreaterThanOrEqual((1_500 * 1000 + 8_500 * 2000) / 1e6);
  const unknown = worstCaseOf('chat', {}, 300, { ...prices, contextWindow: null });
  expect(unknown.tokens).toBe(100 + DEFAULT_OUTPUT_TOKENS);
});

test('a Responses follow-up reserves the whole window; images reserve n images; embeddings only input', () => {
  const follow = worstCaseOf('responses', { previous_response_id: 'resp_1', max_output_tokens: 10 }, 30, prices);
  expect(follow.costUsd).toBeCloseTo((10_000 * 2000) / 1e6, 12);
  expect(worstCaseOf('images', { n: 2 }, 30, prices).costUsd).toBeCloseTo((30 * 1000 + 2 * 8192 * 2000) / 1e6 + 0.08, 12);
  expect(worstCaseOf('embeddings', {}, 300, prices)).toEqual({ costUsd: 0.3, tokens: 100 });
  // Counting tokens is free: nothing reserved (its row costs nothing either).
  expect(worstCaseOf('count_tokens', { model: 'x', messages: [] }, 300, prices)).toEqual({ costUsd: 0, tokens: 0 });
});

test('a Messages request naming content Anthropic reads itself (a document by URL, a file id) reserves the whole window', () => {
  const ask = (block: Record<string, unknown>) => worstCaseOf('messages', { max_tokens: 10, messages: [{ role: 'user', content: [block, { type: 'text', text: 'Sum up.' }] }] }, 30, prices).costUsd;
  const window = (10_000 * 2000) / 1e6;
  expect(ask({ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } })).toBeCloseTo(window, 12);
  expect(ask({ type: 'document', source: { type: 'file', file_id: 'file_011' } })).toBeCloseTo(window, 12);
  expect(ask({ type: 'image', source: { type: 'file', file_id: 'file_012' } })).toBeCloseTo(window, 12);
  expect(ask({ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/b.pdf' } }] })).toBeCloseTo(window, 12);
  // Inline content reserves by the body's size; an image URL (downloaded by the gateway, a bounded cost) one image's tokens in place of its URL's bytes.
  const bySize = (30 * 1000 + 10 * 2000) / 1e6;
  expect(ask({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Some notes.' } })).toBeCloseTo(bySize, 12);
  expect(ask({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } })).toBeCloseTo(bySize + (IMAGE_INPUT_TOKENS - 'https://example.com/a.png'.length) * 1000 / 1e6, 12);
  // Anthropic's web fetch tool reads pages the body does not show.
  expect(worstCaseOf('messages', { max_tokens: 10, tools: [{ type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 2 }], messages: [] }, 30, prices).costUsd).toBeCloseTo(window, 12);
  // MCP servers' tool results are prompt the body does not show too (Anthropic's connector, OpenAI's mcp tool).
  expect(worstCaseOf('messages', { max_tokens: 10, mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'x' }], messages: [] }, 30, prices).costUsd).toBeCloseTo(window, 12);
  expect(worstCaseOf('responses', { max_output_tokens: 10, tools: [{ type: 'mcp', server_label: 'x', server_url: 'https://mcp.example.com' }] }, 30, prices).costUsd).toBeCloseTo(window, 12);
  // Chat bodies are not read for Anthropic's blocks.
  expect(worstCaseOf('chat', { max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'x' } }] }] }, 30, prices).costUsd).toBeCloseTo(bySize, 12);
});

test('embeddings given as token ids reserve their exact count, not the body size (~6 bytes an id)', () => {
  const ids = Array.from({ length: 150 }, (_, i) => 100_000 + i);
  const bytes = JSON.stringify({ model: 'm', input: ids }).length;
  expect(worstCaseOf('embeddings', { input: ids }, bytes, prices)).toEqual({ costUsd: (150 * 1000) / 1e6, tokens: 150 });
  expect(worstCaseOf('embeddings', { input: [ids, ids.slice(0, 10)] }, bytes, prices).tokens).toBe(160);
  // Text, or a malformed mix, is estimated from the body's size as before.
  expect(worstCaseOf('embeddings', { input: ['a', [1]] }, 300, prices).tokens).toBe(100);
  expect(worstCaseOf('embeddings', { input: 'text' }, 300, prices).tokens).toBe(100);
});

test('a group is priced at the dearest of every target it can reach, through nested groups and cycles', () => {
  const cheap = model('cheap', 'openai');
  const dear = { ...model('dear', 'gemini'), prices: { input: 5, cachedInput: null, output: 3, reasoning: 40, image: null }, contextWindow: 1000 };
  const snap = makeSnapshot({
    models: [cheap, { ...cheap, id: 'mid', contextWindow: 5000 }, dear],
    groups: [group('outer', ['cheap', 'inner']), group('inner', ['dear', 'outer'])],
  });
  expect(worstPricesOf('outer', snap)).toEqual({ input: 5, output: 40, image: 0, contextWindow: DEFAULT_OUTPUT_TOKENS, openAITools: true });
  expect(worstPricesOf('inner', snap).contextWindow).toBe(DEFAULT_OUTPUT_TOKENS);
  expect(worstPricesOf('gemini/dear', snap)).toMatchObject({ input: 5, output: 40, contextWindow: 1000 });
  expect(worstPricesOf('openai/dear', snap)).toMatchObject({ input: 0, output: 0 });
  expect(worstPricesOf('no-such-model', snap)).toMatchObject({ input: 0, output: 0 });
});

test('a model that prices cache writes reserves its prompt at the dearest write rate (1-hour writes: 2x input)', () => {
  // claude-sonnet-4-5: input 3, cache read 0.3, 5-minute write 3.75, 1-hour write 2 x 3 = 6 $/M.
  const claude = { ...model('claude', 'anthropic'), prices: { input: 3, cachedInput: 0.3, output: 15, reasoning: null, image: null, cacheWrite: 3.75 } };
  const gpt = { ...model('gpt', 'openai'), prices: { input: 2.5, cachedInput: 1.25, output: 10, reasoning: null, image: null } };
  const snap = makeSnapshot({ models: [claude, gpt] });
  // A prompt written whole to the 1-hour cache bills 6 $/M: reserving at 3 $/M let a budget be overspent.
  expect(worstPricesOf('claude', snap).input).toBe(6);
  // A model without cache-write prices reserves at its input price, as before.
  expect(worstPricesOf('gpt', snap).input).toBe(2.5);
});

test('a prompt that reaches a long-context tier reserves at the tier\u2019s prices, a shorter one at the base prices', () => {
  // claude-sonnet-4-5 as seeded: base input 3, cache write 3.75 (1-hour 6), output 15; from 200,001
  // prompt tokens input 6, cache write 7.5 (1-hour 12), output 22.5.
  const claude = {
    ...model('claude', 'anthropic'), contextWindow: 1_000_000,
    prices: { input: 3, cachedInput: 0.3, output: 15, reasoning: null, image: null, cacheWrite: 3.75,
      longContext: { threshold: 200_001, input: 6, cachedInput: 0.6, cacheWrite: 7.5, output: 22.5, reasoning: null } },
  };
  const snap = makeSnapshot({ models: [claude] });
  const w = worstPricesOf('claude', snap);
  expect(w).toEqual({ input: 6, output: 15, image: 0, contextWindow: 1_000_000, longContext: { threshold: 200_001, input: 12, output: 22.5 }, claude: true });
  // The tier is judged from the prompt's ceiling, a token a byte: 200,000 bytes may bill 200,000
  // prompt tokens, under the tier; 200,001 bytes 200,001, in it (TPM still counts 66,667).
  expect(worstCaseOf('chat', { max_tokens: 1000 }, 200_000, w).costUsd).toBeCloseTo((200_000 * 6 + 1000 * 15) / 1e6, 12);
  expect(worstCaseOf('chat', { max_tokens: 1000 }, 200_001, w)).toEqual({ costUsd: expect.closeTo((200_001 * 12 + 1000 * 22.5) / 1e6, 12), tokens: 66_667 + 1000 });
  // 300,000 bytes of "a a a ..." are 150,000 tokens, under the tier by the 3-bytes estimate (100,000), in it when billed.
  expect(worstCaseOf('chat', { max_tokens: 1000 }, 300_000, w).costUsd).toBeCloseTo((300_000 * 12 + 1000 * 22.5) / 1e6, 12);
  // A Responses follow-up reserves the whole window, which is over the threshold: tier prices.
  expect(worstCaseOf('responses', { previous_response_id: 'resp_1', max_output_tokens: 10 }, 30, w).costUsd).toBeCloseTo((1_000_000 * 22.5) / 1e6, 12);
});

test('a group reaches the lowest threshold of its targets and, past it, the dearest price of any target', () => {
  const tiered = { ...model('tiered', 'gemini'), prices: { input: 1, cachedInput: null, output: 2, reasoning: null, image: null, longContext: { threshold: 1000, input: 4, cachedInput: null, cacheWrite: null, output: null, reasoning: null } } };
  const early = { ...model('early', 'grok'), prices: { input: 1, cachedInput: null, output: 1, reasoning: null, image: null, longContext: { threshold: 500, input: 2, cachedInput: null, cacheWrite: null, output: 3, reasoning: null } } };
  const flatDear = { ...model('flat', 'openai'), prices: { input: 3, cachedInput: null, output: 5, reasoning: null, image: null } };
  const snap = makeSnapshot({ models: [tiered, early, flatDear], groups: [group('g', ['tiered', 'early', 'flat'])] });
  expect(worstPricesOf('g', snap)).toMatchObject({ input: 3, output: 5, longContext: { threshold: 500, input: 4, output: 5 } });
  expect(worstPricesOf('flat', snap).longContext).toBeUndefined();
});

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

test('audio prices and the priority premium: an audio model reserves at its audio rates, a priority request at the premium', () => {
  const audio = { ...model('gpt-audio', 'openai'), prices: { input: 2.5, cachedInput: null, output: 10, reasoning: null, image: null, audioInput: 32, audioOutput: 64 } };
  const o3 = { ...model('o3', 'openai'), prices: { input: 2, cachedInput: 0.5, output: 8, reasoning: null, image: null, flexMultiplier: 0.5, priorityMultiplier: 1.75 } };
  const snap = makeSnapshot({ models: [audio, o3], groups: [group('both', ['gpt-audio', 'o3'])] });
  expect(worstPricesOf('gpt-audio', snap)).toMatchObject({ input: 32, output: 64 });
  const p = worstPricesOf('o3', snap);
  expect(p.priorityMultiplier).toBe(1.75);
  expect(worstPricesOf('both', snap)).toMatchObject({ input: 32, output: 64, priorityMultiplier: 1.75 });
  const standard = worstCaseOf('chat', { max_tokens: 100, service_tier: 'default' }, 300, p).costUsd;
  expect(standard).toBeCloseTo((300 * 2 + 100 * 8) / 1e6, 12);
  expect(worstCaseOf('chat', { max_tokens: 100, service_tier: 'priority' }, 300, p).costUsd).toBeCloseTo(standard * 1.75, 12);
  expect(worstCaseOf('chat', { max_tokens: 100, service_tier: 'flex' }, 300, p).costUsd).toBeCloseTo(standard, 12);
  expect(worstCaseOf('chat', { max_tokens: 100, service_tier: 'scale' }, 300, p).costUsd).toBeCloseTo(standard, 12);
  // No tier, or `auto`: OpenAI serves the project's default tier, which may be priority.
  expect(worstCaseOf('chat', { max_tokens: 100 }, 300, p).costUsd).toBeCloseTo(standard * 1.75, 12);
  expect(worstCaseOf('chat', { max_tokens: 100, service_tier: 'auto' }, 300, p).costUsd).toBeCloseTo(standard * 1.75, 12);
  // A Messages body's service_tier is Anthropic's, not sent to OpenAI: the project's default tier applies.
  expect(worstCaseOf('messages', { max_tokens: 100, service_tier: 'standard_only' }, 300, p).costUsd).toBeCloseTo(standard * 1.75, 12);
});

test("an image model is reserved at its dearest image: dall-e-3 HD 1792 (3x), gpt-image-1 high 1536 (6240 of 1056 tokens)", () => {
  const img = (id: string, image: number) => ({ ...model(id, 'openai'), kind: 'image' as const, prices: { input: 0, cachedInput: null, output: 0, reasoning: null, image } });
  const snap = makeSnapshot({ models: [img('dall-e-2', 0.02), img('dall-e-3', 0.04), img('gpt-image-1', 0.042)], groups: [group('pics', ['dall-e-2', 'dall-e-3'])] });
  expect(worstPricesOf('dall-e-2', snap).image).toBeCloseTo(0.02, 12);
  expect(worstPricesOf('dall-e-3', snap).image).toBeCloseTo(0.12, 12);
  expect(worstPricesOf('gpt-image-1', snap).image).toBeCloseTo((0.042 * 6240) / 1056, 12);
  expect(worstPricesOf('pics', snap).image).toBeCloseTo(0.12, 12);
});

test('output above the model\'s output limit reserves the limit (the gateway sends no more); a group by its largest, unbounded with an unknown target', () => {
  // Claude Code's 32000 to an 8K model: the upstream is sent 8192, so that is what may be billed.
  // A Messages max_tokens is a ceiling TPM holds only as far as its windows have room (defaultOutputTokens); a chat one is not.
  expect(worstCaseOf('messages', { max_tokens: 32_000 }, 300, { ...prices, maxOutputTokens: 8192 })).toEqual({ costUsd: (300 * 1000 + 8192 * 2000) / 1e6, tokens: 100 + 8192, defaultOutputTokens: 8192 });
  expect(worstCaseOf('chat', { max_tokens: 32_000 }, 300, prices).defaultOutputTokens).toBeUndefined();
  expect(worstCaseOf('chat', { max_completion_tokens: 32_000 }, 300, { ...prices, maxOutputTokens: 8192 }).tokens).toBe(100 + 8192);
  expect(worstCaseOf('responses', { max_output_tokens: 32_000 }, 300, { ...prices, maxOutputTokens: 8192 }).tokens).toBe(100 + 8192);
  // Below the limit, or no cap asked: as before, the window's rest at most the limit.
  expect(worstCaseOf('chat', { max_tokens: 100 }, 300, { ...prices, maxOutputTokens: 8192 }).tokens).toBe(200);
  expect(worstCaseOf('chat', {}, 300, { ...prices, maxOutputTokens: 8192 }).costUsd).toBeCloseTo((300 * 1000 + 8192 * 2000) / 1e6, 12);

  const small = { ...model('small', 'deepseek'), maxOutputTokens: 8192 };
  const big = { ...model('big', 'openai'), maxOutputTokens: 16_384 };
  const open = model('open', 'moonshot');
  const snap = makeSnapshot({ models: [small, big, open], groups: [group('both', ['small', 'big']), group('any', ['small', 'open'])] });
  expect(worstPricesOf('small', snap).maxOutputTokens).toBe(8192);
  expect(worstPricesOf('both', snap).maxOutputTokens).toBe(16_384);
  expect(worstPricesOf('any', snap).maxOutputTokens).toBeUndefined();
  expect(worstPricesOf('open', snap).maxOutputTokens).toBeUndefined();
});

test('an inline PDF reserves its pages (PDF_PAGE_MAX_TOKENS each), on chat, Responses and Messages, up to the window', () => {
  // 40 pages in a compressed object stream: under 1 KB, so ~400 tokens by size.
  const pdf = makePdf(40, { objectStream: true });
  const wide = { ...prices, contextWindow: 1_000_000 };
  const reserve = (endpoint: 'chat' | 'responses' | 'messages', body: Record<string, unknown>, p = wide) =>
    worstCaseOf(endpoint, { max_tokens: 10, max_output_tokens: 10, ...body }, JSON.stringify(body).length, p).tokens;
  const chat = { messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: pdfDataUri(pdf) } }, { type: 'text', text: 'Sum up.' }] }] };
  const responses = { input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: pdfDataUri(pdf) }] }] };
  const messages = { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf.toString('base64') } }] }] };
  for (const [endpoint, body] of [['chat', chat], ['responses', responses], ['messages', messages]] as const) {
    const t = reserve(endpoint, body);
    expect(t).toBeGreaterThanOrEqual(40 * PDF_PAGE_MAX_TOKENS);
    expect(t).toBeLessThan(40 * PDF_PAGE_MAX_TOKENS + JSON.stringify(body).length / 3 + 10);
  }
  // Pages in plain objects count the same; the prompt is never reserved past the window (the upstream refuses longer).
  const plain = { messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: pdfDataUri(makePdf(3)) } }] }] };
  expect(reserve('chat', plain)).toBeGreaterThanOrEqual(3 * PDF_PAGE_MAX_TOKENS);
  expect(reserve('chat', chat, { ...prices, contextWindow: 50_000 })).toBe(50_000 + 10);
  // A file OpenAI reads itself (by id or URL) reserves the whole window, as Anthropic's do.
  const byId = worstCaseOf('chat', { max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }, 100, prices);
  expect(byId.costUsd).toBeCloseTo((10_000 * 2000) / 1e6, 12);
  const byUrl = worstCaseOf('responses', { max_output_tokens: 10, input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://example.com/a.pdf' }] }] }, 100, prices);
  expect(byUrl.costUsd).toBeCloseTo((10_000 * 2000) / 1e6, 12);
});

test('images reserve what one may bill at the dearest target (gpt-4o-mini counts ~48K tokens an image), however small their data', () => {
  const url = 'https://example.com/wide.png';
  const tinyPng = `data:image/png;base64,${'A'.repeat(300)}`;
  const chat = (parts: unknown[]) => ({ max_tokens: 10, messages: [{ role: 'user', content: parts }] });
  const tokens = (body: Record<string, unknown>, p: Parameters<typeof worstCaseOf>[3] = prices) => worstCaseOf('chat', body, JSON.stringify(body).length, p).tokens;
  const two = chat([{ type: 'image_url', image_url: { url } }, { type: 'image_url', image_url: { url: tinyPng, detail: 'high' } }]);
  const wide = { ...prices, contextWindow: 1_000_000 };
  expect(tokens(two, wide)).toBeGreaterThanOrEqual(2 * IMAGE_INPUT_TOKENS + 10);
  const responses = { max_output_tokens: 10, input: [{ role: 'user', content: [{ type: 'input_image', image_url: url }] }] };
  expect(worstCaseOf('responses', responses, 100, wide).tokens).toBeGreaterThanOrEqual(IMAGE_INPUT_TOKENS + 10);
  // A model that counts more per image reserves its own figure; a group its dearest target's.
  const mini = { ...model('mini', 'openai'), upstreamId: 'gpt-4o-mini', contextWindow: 128_000 };
  const snap = makeSnapshot({ models: [mini, model('other', 'gemini')], groups: [group('g', ['other', 'mini'])] });
  expect(worstPricesOf('g', snap).imageInputTokens).toBe(2_833 + 8 * 5_667);
  expect(tokens(two, worstPricesOf('g', snap))).toBeGreaterThanOrEqual(2 * (2_833 + 8 * 5_667));
  // A large inline image is reserved by its size, as before.
  const big = chat([{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(60_000)}` } }]);
  expect(tokens(big, wide)).toBe(Math.ceil(JSON.stringify(big).length / 3) + 10);
});

test('a chat request reserves output for each of its n choices', () => {
  expect(worstCaseOf('chat', { max_tokens: 100, n: 4 }, 300, prices)).toEqual({ costUsd: (300 * 1000 + 400 * 2000) / 1e6, tokens: 500 });
  // Without a cap each choice may reach the window's rest; TPM the default allowance each.
  const open = worstCaseOf('chat', { n: 2 }, 300, prices);
  expect(open.costUsd).toBeCloseTo((300 * 1000 + 2 * 10_000 * 2000) / 1e6, 12);
  expect(open.tokens).toBe(100 + 2 * 10_000);
  expect(worstCaseOf('chat', { max_tokens: 100, n: 0.5 }, 300, prices).tokens).toBe(200);
});

test('a reasoning_effort that a Claude target adds as thinking on top of max_tokens is reserved too', () => {
  const claude = { ...model('claude', 'anthropic'), prices: { input: 1000, cachedInput: null, output: 2000, reasoning: null, image: null }, contextWindow: 200_000, maxOutputTokens: 64_000 };
  const gpt = { ...model('gpt', 'openai'), prices: { input: 1000, cachedInput: null, output: 2000, reasoning: null, image: null }, contextWindow: 200_000, maxOutputTokens: 64_000 };
  const snap = makeSnapshot({ models: [claude, gpt], groups: [group('mixed', ['gpt', 'claude'])] });
  const out = (name: string, endpoint: 'chat' | 'responses', body: Record<string, unknown>) => worstCaseOf(endpoint, body, 300, worstPricesOf(name, snap)).tokens - 100;
  expect(out('claude', 'chat', { max_tokens: 100, reasoning_effort: 'high' })).toBe(100 + 24_576);
  expect(out('mixed', 'responses', { max_output_tokens: 100, reasoning: { effort: 'medium' } })).toBe(100 + 8_192);
  // At most the model's output limit; OpenAI counts reasoning inside max_completion_tokens.
  expect(out('claude', 'chat', { max_tokens: 60_000, reasoning_effort: 'high' })).toBe(64_000);
  expect(out('gpt', 'chat', { max_tokens: 100, reasoning_effort: 'high' })).toBe(100);
  // An effort the adapter refuses (400 before anything is billed) adds nothing.
  expect(out('claude', 'chat', { max_tokens: 100, reasoning_effort: 'extreme' })).toBe(100);
});

test("a Claude target's tool-use system prompt (and each typed tool's instructions) is reserved beside a few bytes of tools", () => {
  const claude = { ...model('claude', 'anthropic'), contextWindow: 200_000, maxOutputTokens: 64_000 };
  const snap = makeSnapshot({ models: [claude, model('gpt', 'openai')] });
  const body = { max_tokens: 10, tools: [{ name: 'f', input_schema: { type: 'object' } }, { type: 'bash_20250124', name: 'bash' }] };
  const prompt = (name: string, endpoint: 'chat' | 'messages' = 'messages') => worstCaseOf(endpoint, body, 300, worstPricesOf(name, snap)).tokens - 10;
  expect(prompt('claude')).toBe(100 + 400 + 750);
  expect(prompt('claude', 'chat')).toBe(100 + 400 + 750);
  expect(prompt('gpt')).toBe(100);
  expect(worstCaseOf('messages', { max_tokens: 10 }, 300, worstPricesOf('claude', snap)).tokens).toBe(110);
  // The budget reserves them on top of the body's ceiling (a token a byte).
  const p = worstPricesOf('claude', snap);
  const m = p.usInferenceMultiplier ?? 1;
  expect(worstCaseOf('messages', body, 300, p).costUsd).toBeCloseTo((((300 + 400 + 750) * p.input + 10 * p.output) / 1e6) * m, 12);
});

test("a classifier group reserves its scoring call: the excerpt it sends and an answer as long as the classifier writes", () => {
  const judge = { ...model('judge', 'openai'), prices: { input: 1, cachedInput: null, output: 4, reasoning: null, image: null }, maxOutputTokens: 1_000 };
  const worker = { ...model('worker', 'openai'), prices: { input: 1000, cachedInput: null, output: 2000, reasoning: null, image: null } };
  const scored = group('scored', ['worker'], { strategy: 'classifier', settings: { classifier_model: 'judge' } });
  const snap = makeSnapshot({ models: [judge, worker], groups: [scored, group('outer', ['scored'], { strategy: 'classifier', settings: { classifier_model: 'judge' } })] });
  const call = (6_200 * 1 + 1_000 * 4) / 1e6;
  expect(worstPricesOf('scored', snap).classifierUsd).toBeCloseTo(call, 12);
  // Two classifier groups on the way: two calls.
  expect(worstPricesOf('outer', snap).classifierUsd).toBeCloseTo(2 * call, 12);
  const own = (300 * 1000 + 100 * 2000) / 1e6;
  expect(worstCaseOf('chat', { max_tokens: 100 }, 300, worstPricesOf('scored', snap)).costUsd).toBeCloseTo(own + call, 12);
  // count_tokens routes too: only the classifier call is reserved.
  expect(worstCaseOf('count_tokens', {}, 300, worstPricesOf('scored', snap))).toEqual({ costUsd: call, tokens: 0 });
  expect(worstPricesOf('worker', snap).classifierUsd).toBeUndefined();
});

test('a classifier without a known output limit is reserved at the max_completion_tokens its call is sent with, not its window', () => {
  const judge = { ...model('judge', 'openai'), prices: { input: 0.05, cachedInput: null, output: 0.4, reasoning: null, image: null }, contextWindow: 400_000 };
  const scored = group('scored', ['judge'], { strategy: 'classifier', settings: { classifier_model: 'judge' } });
  const snap = makeSnapshot({ models: [judge], groups: [scored] });
  expect(worstPricesOf('scored', snap).classifierUsd).toBeCloseTo((6_200 * 0.05 + CLASSIFIER_MAX_OUTPUT_TOKENS * 0.4) / 1e6, 12);
});

test("a chat request's predicted output reserves its tokens as output too (the rejected ones bill as completion tokens): the budget a token a byte, TPM 3 bytes a token", () => {
  const prediction = { type: 'content', content: 'a '.repeat(1_500) };
  const bytes = JSON.stringify(prediction).length;
  expect(worstCaseOf('chat', { max_tokens: 100, prediction }, 300, prices)).toEqual({ costUsd: (300 * 1000 + (100 + bytes) * 2000) / 1e6, tokens: 200 + Math.ceil(bytes / 3) });
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
  expect(worstCaseOf('chat', body, 300, worstPricesOf('gpt-4o', snap))).toEqual({ costUsd: tokens, tokens: 200 });
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
  expect(ask({ tools: [{ type: 'code_interpreter' }], max_tool_calls: 4 })).toEqual({ costUsd: expect.closeTo(tokens + 4 * 0.005, 12), tokens: 200 });
  expect(ask({ tools: [{ type: 'file_search', vector_store_ids: ['c'] }], max_tool_calls: 2 }).costUsd).toBeCloseTo(tokens + 2 * (0.0025 + content), 12);
  // On chat, where xAI runs none of them, nothing is reserved for them.
  expect(worstCaseOf('chat', { max_tokens: 100, tools: [{ type: 'web_search' }] }, 300, p).costUsd).toBeCloseTo(tokens, 12);
});

test('the budget reserves the prompt at its ceiling: a token a byte of text ("a a a" runs 2), files and images by their own figures', () => {
  // Gemini bills "a ".repeat(1000) 1,001 tokens; the 3-bytes estimate reserved ~680 of them.
  const text = { model: 'gemini-embedding-001', input: 'a '.repeat(1000) };
  const bytes = JSON.stringify(text).length;
  expect(worstCaseOf('embeddings', text, bytes, prices)).toEqual({ costUsd: (bytes * 1000) / 1e6, tokens: Math.ceil(bytes / 3) });
  expect(bytes).toBeGreaterThan(1001);
  // An image counts what it may bill in place of its data's bytes: a small one its IMAGE_INPUT_TOKENS...
  const wide = { ...prices, contextWindow: 1_000_000 };
  const chat = (url: string) => ({ max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: 'Describe.' }] }] });
  const small = `data:image/png;base64,${'A'.repeat(300)}`;
  const smallBytes = JSON.stringify(chat(small)).length;
  expect(worstCaseOf('chat', chat(small), smallBytes, wide).costUsd).toBeCloseTo(((smallBytes - small.length + IMAGE_INPUT_TOKENS) * 1000 + 10 * 2000) / 1e6, 12);
  // ...a large one its estimate by size (3 bytes a token), not a token for each of its 60,000 bytes.
  const large = `data:image/png;base64,${'A'.repeat(60_000)}`;
  const w = worstCaseOf('chat', chat(large), JSON.stringify(chat(large)).length, wide);
  expect(w.costUsd).toBeCloseTo(((w.tokens - 10) * 1000 + 10 * 2000) / 1e6, 12);
  // A PDF its pages (PDF_PAGE_MAX_TOKENS each) in place of its data, beside the text's bytes.
  const pdf = pdfDataUri(makePdf(40, { objectStream: true }));
  const doc = { max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: pdf } }, { type: 'text', text: 'Sum up.' }] }] };
  const docBytes = JSON.stringify(doc).length;
  expect(worstCaseOf('chat', doc, docBytes, wide).costUsd).toBeCloseTo(((docBytes - pdf.length + 40 * PDF_PAGE_MAX_TOKENS) * 1000 + 10 * 2000) / 1e6, 12);
  // Embeddings given as token ids stay exact.
  expect(worstCaseOf('embeddings', { input: [1, 2, 3] }, 300, prices).costUsd).toBeCloseTo((3 * 1000) / 1e6, 12);
});
