/**
 * Long-context tiers: once the prompt (input with cache reads and writes) passes 200k tokens the
 * WHOLE request bills at the tier's prices. Expected numbers are worked by hand from genai-prices'
 * listed prices (USD per 1M tokens) and cross-checked against genai-prices' own calcPrice:
 *   claude-sonnet-4-5  base: input 3,    cache read 0.3,   cache write 3.75, output 15
 *                      over 200,000 prompt tokens: input 6, cache read 0.6, cache write 7.5, output 22.5
 *   gemini-2.5-pro     base: input 1.25, cache read 0.125, output 10
 *                      over 200,000 prompt tokens: input 2.5, cache read 0.25, output 15
 * genai-prices applies a tier above its start (200,000), so the table's threshold is 200,001.
 */
import { describe, expect, test } from 'bun:test';
import { calcPrice } from '@pydantic/genai-prices';
import { computeCost, pricesForPrompt } from '../../src/usage/cost';
import { seedModelRows } from '../../src/db/seed/model-prices';
import type { ModelPrices } from '../../src/usage/price-types';
import type { Usage } from '../../src/usage/types';

const claude: ModelPrices = {
  input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, reasoning: null, image: null,
  longContext: { threshold: 200_001, input: 6, cachedInput: 0.6, cacheWrite: 7.5, output: 22.5, reasoning: null },
};
const gemini: ModelPrices = {
  input: 1.25, cachedInput: 0.125, output: 10, reasoning: null, image: null, cacheWrite: null,
  longContext: { threshold: 200_001, input: 2.5, cachedInput: 0.25, cacheWrite: null, output: 15, reasoning: null },
};

test('the prices above are the ones the seed takes from genai-prices', () => {
  const rows = new Map(seedModelRows(Date.now()).map((r) => [r.id, r]));
  const asPrices = (id: string) => {
    const r = rows.get(id)!;
    return {
      input: r.inputPrice, cachedInput: r.cachedInputPrice, cacheWrite: r.cacheWritePrice, output: r.outputPrice, reasoning: r.reasoningPrice, image: r.imagePrice,
      longContext: {
        threshold: r.longContextThreshold, input: r.longContextInputPrice, cachedInput: r.longContextCachedInputPrice,
        cacheWrite: r.longContextCacheWritePrice, output: r.longContextOutputPrice, reasoning: r.longContextReasoningPrice,
      },
    };
  };
  expect(asPrices('claude-sonnet-4-5')).toEqual(claude as any);
  expect(asPrices('gemini-2.5-pro')).toEqual(gemini as any);
});

const at = Date.now();
/** genai-prices' total for the same usage (its input_tokens include cache reads and writes, as ours do). */
const genai = (id: string, providerId: string, u: Usage) =>
  calcPrice({ input_tokens: u.input, cache_read_tokens: u.cachedInput, cache_write_tokens: u.cacheWrite ?? 0, output_tokens: u.output }, id, { providerId, timestamp: new Date(at) })!.total_price;

describe('claude-sonnet-4-5: 50,000 cache reads, 10,000 cache writes, 1,000 output tokens', () => {
  const usage = (prompt: number): Usage => ({ input: prompt, cachedInput: 50_000, cacheWrite: 10_000, output: 1_000, reasoning: 0 });
  test.each([
    // 200,000: not over the tier's start, base prices. 140,000 x 3 + 50,000 x 0.3 + 10,000 x 3.75 + 1,000 x 15 = 487,500.
    ['just below (200,000)', 200_000, 0.4875],
    // 200,001: every token at the tier, though only 140,001 are plain input.
    // 140,001 x 6 + 50,000 x 0.6 + 10,000 x 7.5 + 1,000 x 22.5 = 967,506.
    ['at (200,001)', 200_001, 0.967506],
    // 190,000 x 6 + 30,000 + 75,000 + 22,500 = 1,267,500.
    ['above (250,000)', 250_000, 1.2675],
  ])('%s', (_, prompt, usd) => {
    expect(computeCost(usage(prompt), claude)).toBeCloseTo(usd, 12);
    expect(genai('claude-sonnet-4-5', 'anthropic', usage(prompt))).toBeCloseTo(usd, 12);
  });

  test('1-hour cache writes bill at twice the tier input (genai-prices lists 12 over 200k)', () => {
    const u = { ...usage(250_000), cacheWrite1h: 10_000 };
    expect(computeCost(u, claude)).toBeCloseTo((190_000 * 6 + 50_000 * 0.6 + 10_000 * 12 + 1_000 * 22.5) / 1e6, 12);
  });
});

describe('gemini-2.5-pro: 20,000 cached tokens, 2,000 output tokens of which 500 reasoning', () => {
  const usage = (prompt: number): Usage => ({ input: prompt, cachedInput: 20_000, output: 2_000, reasoning: 500 });
  test.each([
    // 180,000 x 1.25 + 20,000 x 0.125 + 2,000 x 10 = 247,500.
    ['just below (200,000)', 200_000, 0.2475],
    // 180,001 x 2.5 + 20,000 x 0.25 + 2,000 x 15 = 485,002.5.
    ['at (200,001)', 200_001, 0.4850025],
    // 230,000 x 2.5 + 5,000 + 30,000 = 610,000.
    ['above (250,000)', 250_000, 0.61],
  ])('%s', (_, prompt, usd) => {
    expect(computeCost(usage(prompt), gemini)).toBeCloseTo(usd, 12);
    expect(genai('gemini-2.5-pro', 'google', usage(prompt))).toBeCloseTo(usd, 12);
  });
});

test('an unset tier price keeps the base price of its kind; a model without a tier is unchanged', () => {
  const partial: ModelPrices = { ...claude, longContext: { threshold: 10, input: 6, cachedInput: null, cacheWrite: null, output: null, reasoning: null } };
  expect(pricesForPrompt(partial, 10)).toEqual({ input: 6, cachedInput: 0.3, cacheWrite: 3.75, output: 15, reasoning: null, image: null });
  expect(pricesForPrompt(partial, 9)).toBe(partial);
  const flat: ModelPrices = { input: 2.5, cachedInput: 1.25, output: 10, reasoning: null, image: null };
  expect(computeCost({ input: 1_000_000, cachedInput: 0, output: 0, reasoning: 0 }, flat)).toBeCloseTo(2.5, 12);
});
