/**
 * The prices a request is reserved at (worstPricesOf): a model's dearest rates (cache writes,
 * long-context tiers, audio, the priority premium, its dearest image), a group's dearest target,
 * what a Claude target adds (thinking, its tool-use system prompt) and a classifier's scoring call.
 */
import { CLASSIFIER_MAX_OUTPUT_TOKENS } from '../../src/routing/classifier-strategy';
import { expect, test } from 'bun:test';
import { worstCaseOf } from '../../src/limits/worst-case';
import { worstPricesOf, DEFAULT_OUTPUT_TOKENS } from '../../src/limits/worst-prices';
import { group, makeSnapshot, model } from '../routing/snapshot-fixture';

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
  expect(worstCaseOf('chat', { max_tokens: 1000 }, 200_001, w)).toMatchObject({ costUsd: expect.closeTo((200_001 * 12 + 1000 * 22.5) / 1e6, 12), tokens: 66_667 + 1000 });
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
  expect(worstCaseOf('count_tokens', {}, 300, worstPricesOf('scored', snap))).toMatchObject({ costUsd: call, tokens: 0 });
  expect(worstPricesOf('worker', snap).classifierUsd).toBeUndefined();
});

test('a classifier without a known output limit is reserved at the max_completion_tokens its call is sent with, not its window', () => {
  const judge = { ...model('judge', 'openai'), prices: { input: 0.05, cachedInput: null, output: 0.4, reasoning: null, image: null }, contextWindow: 400_000 };
  const scored = group('scored', ['judge'], { strategy: 'classifier', settings: { classifier_model: 'judge' } });
  const snap = makeSnapshot({ models: [judge], groups: [scored] });
  expect(worstPricesOf('scored', snap).classifierUsd).toBeCloseTo((6_200 * 0.05 + CLASSIFIER_MAX_OUTPUT_TOKENS * 0.4) / 1e6, 12);
});
