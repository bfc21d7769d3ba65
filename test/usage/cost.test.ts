import { expect, test } from 'bun:test';
import { cachedAudioPrice, computeCost } from '../../src/usage/cost';
import type { ModelPrices } from '../../src/usage/price-types';

const gpt4o: ModelPrices = { input: 2.5, cachedInput: 1.25, output: 10, reasoning: null, image: null };

test('plain input and output at per-1M prices', () => {
  expect(computeCost({ input: 1_000_000, cachedInput: 0, output: 1_000_000, reasoning: 0 }, gpt4o)).toBeCloseTo(12.5, 10);
  expect(computeCost({ input: 19, cachedInput: 0, output: 10, reasoning: 0 }, gpt4o)).toBeCloseTo((19 * 2.5 + 10 * 10) / 1e6, 12);
});

test('cached tokens billed at the cached price, once', () => {
  // 2006 input of which 1920 cached: 86 * 2.5 + 1920 * 1.25
  const c = computeCost({ input: 2006, cachedInput: 1920, output: 0, reasoning: 0 }, gpt4o);
  expect(c).toBeCloseTo((86 * 2.5 + 1920 * 1.25) / 1e6, 12);
});

test('no cached price: cached billed at the input price', () => {
  const p: ModelPrices = { input: 0.2, cachedInput: null, output: 2, reasoning: null, image: null };
  expect(computeCost({ input: 1000, cachedInput: 800, output: 0, reasoning: 0 }, p)).toBeCloseTo(1000 * 0.2 / 1e6, 12);
});

test('reasoning at its own price; unset falls back to output', () => {
  const u = { input: 0, cachedInput: 0, output: 300, reasoning: 192 };
  expect(computeCost(u, gpt4o)).toBeCloseTo(300 * 10 / 1e6, 12);
  const withReasoning: ModelPrices = { ...gpt4o, reasoning: 20 };
  expect(computeCost(u, withReasoning)).toBeCloseTo((108 * 10 + 192 * 20) / 1e6, 12);
});

test('xAI reasoning is billed: output includes it after normalising', () => {
  const grok3mini: ModelPrices = { input: 0.3, cachedInput: 0.075, output: 0.5, reasoning: null, image: null };
  const c = computeCost({ input: 32, cachedInput: 6, output: 103, reasoning: 94 }, grok3mini);
  expect(c).toBeCloseTo((26 * 0.3 + 6 * 0.075 + 103 * 0.5) / 1e6, 12);
});

test('per-image price, plus prompt tokens', () => {
  const img: ModelPrices = { input: 5, cachedInput: null, output: 0, reasoning: null, image: 0.04 };
  expect(computeCost({ input: 0, cachedInput: 0, output: 0, reasoning: 0 }, img, 3)).toBeCloseTo(0.12, 12);
  expect(computeCost({ input: 100, cachedInput: 0, output: 0, reasoning: 0 }, img, 1)).toBeCloseTo(0.04 + 100 * 5 / 1e6, 12);
  // a chat model without an image price charges nothing for images
  expect(computeCost({ input: 0, cachedInput: 0, output: 0, reasoning: 0 }, gpt4o, 2)).toBe(0);
});

test('free model costs 0; inconsistent numbers never go negative', () => {
  const free: ModelPrices = { input: 0, cachedInput: 0, output: 0, reasoning: 0, image: 0 };
  expect(computeCost({ input: 5000, cachedInput: 0, output: 5000, reasoning: 0 }, free)).toBe(0);
  expect(computeCost({ input: 10, cachedInput: 50, output: 5, reasoning: 9 }, gpt4o)).toBeCloseTo((10 * 1.25 + 5 * 10) / 1e6, 12);
});

test('cached audio price: the audio price discounted as cached text is, which is genai-prices\' cache_audio_read_mtok for every Gemini model with audio', async () => {
  const { calcPrice } = await import('@pydantic/genai-prices');
  const ids = ['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-flash-preview', 'gemini-3.1-flash-lite-preview'];
  for (const id of ids) {
    const p = calcPrice({ input_tokens: 0, output_tokens: 0 }, id, { providerId: 'google' })!.model.prices as Record<string, number>;
    expect(typeof p.cache_audio_read_mtok).toBe('number');
    const prices = { input: p.input_mtok!, cachedInput: p.cache_read_mtok!, audioInput: p.input_audio_mtok! };
    expect({ id, price: cachedAudioPrice(prices) }).toEqual({ id, price: expect.closeTo(p.cache_audio_read_mtok!, 12) });
  }
  // No audio price: cached audio is cached text.
  expect(cachedAudioPrice({ input: 1.25, cachedInput: 0.125, audioInput: null })).toBe(0.125);
});
