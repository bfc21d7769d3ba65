import { expect, test } from 'bun:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { computeCost } from '../../src/usage/cost';
import { countTextTokens, estimatePromptTokens, estimateUsage, usageOrEstimate } from '../../src/usage/estimate-usage';

const prompt = [
  { role: 'system', content: 'You are a terse assistant.' },
  { role: 'user', content: [{ type: 'text', text: 'Write a haiku about the sea.' }, { type: 'image_url', image_url: { url: 'x' } }] },
];

test('text tokens match the o200k encoding', () => {
  const s = 'Hello, world! The quick brown fox jumps over the lazy dog.';
  expect(countTextTokens(s)).toBe(encode(s).length);
  expect(countTextTokens('')).toBe(0);
});

test('prompt estimate counts every message, its text parts and images', () => {
  const n = estimatePromptTokens(prompt);
  const textOnly = countTextTokens('You are a terse assistant.') + countTextTokens('Write a haiku about the sea.');
  expect(n).toBeGreaterThan(textOnly + 85);
  expect(estimatePromptTokens('plain prompt')).toBe(countTextTokens('plain prompt'));
});

test('a cut stream is billed for the prompt plus only what was delivered', () => {
  const full = 'Waves fold into foam, the tide keeps its quiet count, salt on the cold stones.';
  const delivered = full.slice(0, 20);
  const u = estimateUsage(prompt, delivered);
  expect(u.estimated).toBe(true);
  expect(u.input).toBe(estimatePromptTokens(prompt));
  expect(u.output).toBe(countTextTokens(delivered));
  expect(u.output).toBeGreaterThan(0);
  expect(u.output).toBeLessThan(countTextTokens(full));
  const cost = computeCost(u, { input: 2.5, cachedInput: 1.25, output: 10, reasoning: null, image: null });
  expect(cost).toBeCloseTo((u.input * 2.5 + u.output * 10) / 1e6, 12);
  expect(cost).toBeGreaterThan(0);
});

test('a stream cut before any text still bills the prompt', () => {
  const u = estimateUsage(prompt, '');
  expect(u.output).toBe(0);
  expect(u.input).toBeGreaterThan(0);
});

test('upstream usage wins over the estimate', () => {
  const upstream = { input: 7, cachedInput: 0, output: 3, reasoning: 0 };
  expect(usageOrEstimate(upstream, prompt, 'abc')).toBe(upstream);
  expect(usageOrEstimate(null, prompt, 'abc').estimated).toBe(true);
});
