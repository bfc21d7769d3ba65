/**
 * The worst case a request reserves from its body: the prompt from the body's size (the budget a
 * token a byte, its ceiling; TPM 3 bytes a token, its estimate), files and images by their own
 * figures, output from its cap, the model's output limit or its window.
 */
import { expect, test } from 'bun:test';
import { worstCaseOf } from '../../src/limits/worst-case';
import { worstPricesOf, DEFAULT_OUTPUT_TOKENS, IMAGE_INPUT_TOKENS } from '../../src/limits/worst-prices';
import { PDF_PAGE_MAX_TOKENS } from '../../src/usage/file-tokens';
import { makePdf, pdfDataUri } from '../helpers/make-pdf';
import { group, makeSnapshot, model } from '../routing/snapshot-fixture';

const prices = { input: 1000, output: 2000, image: 0.04, contextWindow: 10_000 };

test('chat: the budget reserves the prompt at a token a byte, TPM at bytes / 3, plus max_tokens (or max_completion_tokens) at the output price', () => {
  expect(worstCaseOf('chat', { max_tokens: 100 }, 300, prices)).toMatchObject({ costUsd: (300 * 1000 + 100 * 2000) / 1e6, tokens: 200 });
  // The ceiling stops at the model's window (a longer prompt is refused upstream); the estimate does not.
  expect(worstCaseOf('chat', { max_tokens: 100 }, 20_000, prices)).toMatchObject({ costUsd: (10_000 * 1000 + 100 * 2000) / 1e6, tokens: 6_667 + 100 });
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
  expect(worstCaseOf('embeddings', {}, 300, prices)).toMatchObject({ costUsd: 0.3, tokens: 100 });
  // Counting tokens is free: nothing reserved (its row costs nothing either).
  expect(worstCaseOf('count_tokens', { model: 'x', messages: [] }, 300, prices)).toMatchObject({ costUsd: 0, tokens: 0 });
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
  expect(worstCaseOf('embeddings', { input: ids }, bytes, prices)).toMatchObject({ costUsd: (150 * 1000) / 1e6, tokens: 150 });
  expect(worstCaseOf('embeddings', { input: [ids, ids.slice(0, 10)] }, bytes, prices).tokens).toBe(160);
  // Text, or a malformed mix, is estimated from the body's size as before.
  expect(worstCaseOf('embeddings', { input: ['a', [1]] }, 300, prices).tokens).toBe(100);
  expect(worstCaseOf('embeddings', { input: 'text' }, 300, prices).tokens).toBe(100);
});

test('output above the model\'s output limit reserves the limit (the gateway sends no more); a group by its largest, unbounded with an unknown target', () => {
  // Claude Code's 32000 to an 8K model: the upstream is sent 8192, so that is what may be billed.
  // A Messages max_tokens is a ceiling TPM holds only as far as its windows have room (defaultOutputTokens); a chat one is not.
  expect(worstCaseOf('messages', { max_tokens: 32_000 }, 300, { ...prices, maxOutputTokens: 8192 })).toMatchObject({ costUsd: (300 * 1000 + 8192 * 2000) / 1e6, tokens: 100 + 8192, defaultOutputTokens: 8192 });
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
  expect(worstCaseOf('chat', { max_tokens: 100, n: 4 }, 300, prices)).toMatchObject({ costUsd: (300 * 1000 + 400 * 2000) / 1e6, tokens: 500 });
  // Without a cap each choice may reach the window's rest; TPM the default allowance each.
  const open = worstCaseOf('chat', { n: 2 }, 300, prices);
  expect(open.costUsd).toBeCloseTo((300 * 1000 + 2 * 10_000 * 2000) / 1e6, 12);
  expect(open.tokens).toBe(100 + 2 * 10_000);
  expect(worstCaseOf('chat', { max_tokens: 100, n: 0.5 }, 300, prices).tokens).toBe(200);
});

test("a chat request's predicted output reserves its tokens as output too (the rejected ones bill as completion tokens): the budget a token a byte, TPM 3 bytes a token", () => {
  const prediction = { type: 'content', content: 'a '.repeat(1_500) };
  const bytes = JSON.stringify(prediction).length;
  expect(worstCaseOf('chat', { max_tokens: 100, prediction }, 300, prices)).toMatchObject({ costUsd: (300 * 1000 + (100 + bytes) * 2000) / 1e6, tokens: 200 + Math.ceil(bytes / 3) });
});

test('the budget reserves the prompt at its ceiling: a token a byte of text ("a a a" runs 2), files and images by their own figures', () => {
  // Gemini bills "a ".repeat(1000) 1,001 tokens; the 3-bytes estimate reserved ~680 of them.
  const text = { model: 'gemini-embedding-001', input: 'a '.repeat(1000) };
  const bytes = JSON.stringify(text).length;
  expect(worstCaseOf('embeddings', text, bytes, prices)).toMatchObject({ costUsd: (bytes * 1000) / 1e6, tokens: Math.ceil(bytes / 3) });
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
