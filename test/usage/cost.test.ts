import { expect, test } from 'bun:test';
import { computeCost } from '../../src/usage/cost';
import type { ModelPrices } from '../../src/state/snapshot-types';

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
