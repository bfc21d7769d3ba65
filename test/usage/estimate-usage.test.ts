import { expect, setDefaultTimeout, test } from 'bun:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { computeCost } from '../../src/usage/cost';
import { countTextTokens } from '../../src/usage/count-text-tokens';
import { estimateSampled, estimateUsage, promptPieces, usageOrEstimate } from '../../src/usage/estimate-usage';
import { tallyText } from '../../src/providers/shared/tally-text';
import type { TokenCounter } from '../../src/usage/token-counter';

// The first count loads the o200k tables (~60 ms here, longer on a loaded CI machine).
setDefaultTimeout(20_000);

/** The tokenizer itself, on this thread: what the worker-backed counter must agree with. */
const direct: TokenCounter = { count: async (texts) => texts.map(countTextTokens) };

const prompt = [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: [{ type: 'text', text: 'Write a haiku about the sea.' }, { type: 'image_url', image_url: { url: 'x' } }] },
];

test('text tokens match the o200k encoding', () => {
  const s = 'Hello, world! The quick brown fox jumps over the lazy dog.';
  expect(countTextTokens(s)).toBe(encode(s).length);
  expect(countTextTokens('')).toBe(0);
});

test('a prompt is its texts to count plus fixed framing and image tokens', () => {
  const p = promptPieces(prompt);
  expect(p.texts).toEqual(['You are a terse assistant.', 'system', 'Write a haiku about the sea.', 'user']);
  // 3 to prime the reply, 3 per message, 85 for the image.
  expect(p.fixed).toBe(3 + 3 * 2 + 85);
  expect(promptPieces('plain prompt')).toEqual({ texts: ['plain prompt'], fixed: 0 });
  const named = promptPieces([{ role: 'assistant', name: 'bot', content: null, tool_calls: [{ id: 'c1' }] }]);
  expect(named.texts).toEqual(['assistant', 'bot', '[{"id":"c1"}]']);
  expect(named.fixed).toBe(3 + 3 + 1);
});

/** The prompt's share of an estimate. */
const promptTokens = async (p: Parameters<typeof estimateUsage>[0]) => (await estimateUsage(p, '', direct)).input;

test('prompt estimate counts every message, its text parts and images', async () => {
  const n = await promptTokens(prompt);
  const textOnly = countTextTokens('You are a terse assistant.') + countTextTokens('Write a haiku about the sea.');
  expect(n).toBeGreaterThan(textOnly + 85);
  expect(await promptTokens('plain prompt')).toBe(countTextTokens('plain prompt'));
});

test('a cut stream is billed for the prompt plus only what was delivered', async () => {
  const full = 'Waves fold into foam, the tide keeps its quiet count, salt on the cold stones.';
  const delivered = full.slice(0, 20);
  const u = await estimateUsage(prompt, delivered, direct);
  expect(u.estimated).toBe(true);
  expect(u.input).toBe(await promptTokens(prompt));
  expect(u.output).toBe(countTextTokens(delivered));
  expect(u.output).toBeGreaterThan(0);
  expect(u.output).toBeLessThan(countTextTokens(full));
  const cost = computeCost(u, { input: 2.5, cachedInput: 1.25, output: 10, reasoning: null, image: null });
  expect(cost).toBeCloseTo((u.input * 2.5 + u.output * 10) / 1e6, 12);
  expect(cost).toBeGreaterThan(0);
});

test('a stream cut before any text still bills the prompt', async () => {
  const u = await estimateUsage(prompt, '', direct);
  expect(u.output).toBe(0);
  expect(u.input).toBeGreaterThan(0);
});

test('upstream usage wins over the estimate', async () => {
  const upstream = { input: 7, cachedInput: 0, output: 3, reasoning: 0 };
  expect(await usageOrEstimate(upstream, prompt, 'abc', direct)).toBe(upstream);
  expect((await usageOrEstimate(null, prompt, 'abc', direct)).estimated).toBe(true);
});

test('the default counter (the worker) gives the same estimate as the tokenizer on this thread', async () => {
  const delivered = 'Salt on the cold stones, counted by the tide.';
  expect(await estimateUsage(prompt, delivered)).toEqual(await estimateUsage(prompt, delivered, direct));
});

test('files and audio count in the prompt: a PDF by its pages, another file and an audio clip by their size', async () => {
  const { makePdf, pdfDataUri } = await import('../helpers/make-pdf');
  const { PDF_PAGE_TOKENS } = await import('../../src/usage/file-tokens');
  const pdf = promptPieces([{ role: 'user', content: [{ type: 'file', file: { file_data: pdfDataUri(makePdf(4, { objectStream: true })) } }] }]);
  expect(pdf.fixed).toBe(3 + 3 + 4 * PDF_PAGE_TOKENS);
  // 4,000 bytes of CSV at ~4 bytes a token.
  const csv = promptPieces([{ role: 'user', content: [{ type: 'file', file: { file_data: `data:text/csv;base64,${Buffer.alloc(4000, 'a').toString('base64')}` } }] }]);
  expect(csv.fixed).toBe(3 + 3 + 1000);
  // 160,000 bytes of mp3 (10 s at 128 kbit/s) at 500 bytes a token.
  const audio = promptPieces([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: Buffer.alloc(160_000).toString('base64'), format: 'mp3' } }] }]);
  expect(audio.fixed).toBe(3 + 3 + 320);
});

test('a long delivered text is sampled (tallyText) and its estimate scaled up to all of it', async () => {
  const sample = { deliveredText: '' };
  const piece = ' word'.repeat(4000);
  for (let i = 0; i < 100; i++) tallyText(sample, piece);
  const u = await estimateSampled(prompt, sample, direct);
  const whole = countTextTokens(piece.repeat(100));
  expect(u.estimated).toBe(true);
  expect(u.input).toBe(await promptTokens(prompt));
  expect(Math.abs(u.output - whole) / whole).toBeLessThan(0.01);
});
