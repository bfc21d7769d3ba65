import { describe, expect, test } from 'bun:test';
import type { ProviderId } from '../../src/providers/types';
import { normalizeUsage } from '../../src/usage/normalize-usage';
import { findUsageInChunk } from '../../src/usage/moonshot-usage';
import { normalizeOllamaUsage } from '../../src/usage/ollama-usage';
import { chunks, fixture } from './load-fixture';

/** The usage a stream reports: the last chunk that carries one. */
function streamUsage(name: string): unknown {
  let found: unknown = null;
  for (const c of chunks(name)) found = findUsageInChunk(c) ?? found;
  return found;
}

describe('openai', () => {
  test('plain chat: numbers pass through', () => {
    expect(normalizeUsage('openai', fixture('openai-chat.json').usage)).toEqual({ input: 19, cachedInput: 0, output: 10, reasoning: 0 });
  });
  test('cached and reasoning are parts of the totals, not added', () => {
    expect(normalizeUsage('openai', fixture('openai-o3-cached-reasoning.json').usage)).toEqual({
      input: 2006, cachedInput: 1920, output: 300, reasoning: 192,
    });
  });
  test('stream: usage comes in the final chunk with empty choices', () => {
    expect(normalizeUsage('openai', streamUsage('openai-stream-usage.chunks.txt'))).toEqual({
      input: 1138, cachedInput: 1024, output: 2, reasoning: 0,
    });
  });
  test('Responses API spelling (input_tokens/output_tokens)', () => {
    expect(normalizeUsage('openai', fixture('openai-responses.json').usage)).toEqual({
      input: 1536, cachedInput: 1280, output: 212, reasoning: 192,
    });
  });
  test('no usage -> null', () => {
    expect(normalizeUsage('openai', null)).toBeNull();
    expect(normalizeUsage('openai', {})).toBeNull();
    expect(normalizeUsage('openai', 'x')).toBeNull();
  });
});

describe('deepseek', () => {
  test('prompt_cache_hit_tokens is the cached part of prompt_tokens', () => {
    expect(normalizeUsage('deepseek', fixture('deepseek-chat-cache-hit.json').usage)).toEqual({
      input: 1516, cachedInput: 1472, output: 23, reasoning: 0,
    });
  });
  test('reasoner stream: reasoning already inside completion_tokens', () => {
    expect(normalizeUsage('deepseek', streamUsage('deepseek-reasoner-stream.chunks.txt'))).toEqual({
      input: 13, cachedInput: 0, output: 422, reasoning: 361,
    });
  });
  test('hit tokens win over prompt_tokens_details when both present and differ', () => {
    const u = { prompt_tokens: 100, completion_tokens: 1, prompt_cache_hit_tokens: 64, prompt_tokens_details: { cached_tokens: 0 } };
    expect(normalizeUsage('deepseek', u)?.cachedInput).toBe(64);
  });
});

describe('moonshot', () => {
  test('top-level usage.cached_tokens', () => {
    expect(normalizeUsage('moonshot', fixture('moonshot-cached.json').usage)).toEqual({
      input: 2156, cachedInput: 2048, output: 14, reasoning: 0,
    });
  });
  test('stream usage inside choices[0].usage is found', () => {
    const cs = chunks('moonshot-stream-choice-usage.chunks.txt');
    expect(findUsageInChunk(cs[0])).toBeNull();
    expect(normalizeUsage('moonshot', streamUsage('moonshot-stream-choice-usage.chunks.txt'))).toEqual({
      input: 19, cachedInput: 8, output: 13, reasoning: 0,
    });
  });
  test('kimi-k2 with OpenAI-style details', () => {
    expect(normalizeUsage('moonshot', fixture('moonshot-kimi-k2-details.json').usage)).toEqual({
      input: 812, cachedInput: 768, output: 57, reasoning: 41,
    });
  });
});

describe('grok (xAI)', () => {
  test('completion excludes reasoning: output = completion + reasoning', () => {
    expect(normalizeUsage('grok', fixture('grok-3-mini-reasoning.json').usage)).toEqual({
      input: 32, cachedInput: 6, output: 9 + 94, reasoning: 94,
    });
  });
  test('cached larger than prompt is clamped to the prompt', () => {
    expect(normalizeUsage('grok', fixture('grok-cached-exceeds-prompt.json').usage)).toEqual({
      input: 199, cachedInput: 199, output: 322, reasoning: 320,
    });
  });
  test('reasoning not added twice when total shows it inside completion', () => {
    const u = { prompt_tokens: 10, completion_tokens: 50, total_tokens: 60, completion_tokens_details: { reasoning_tokens: 30 } };
    expect(normalizeUsage('grok', u)).toEqual({ input: 10, cachedInput: 0, output: 50, reasoning: 30 });
  });
  test("its Responses API's usage: reasoning inside output_tokens (total = input + output), its tool calls and reported cost", () => {
    // Recorded on xAI's /v1/responses: 35,493 + 1,135 = 36,628, 708 of the 1,135 reasoning.
    const u = {
      input_tokens: 35493, input_tokens_details: { cached_tokens: 896 }, output_tokens: 1135, output_tokens_details: { reasoning_tokens: 708 },
      total_tokens: 36628, num_sources_used: 0, num_server_side_tools_used: 0, cost_in_usd_ticks: 462629500,
    };
    expect(normalizeUsage('grok', u)).toEqual({ input: 35493, cachedInput: 896, output: 1135, reasoning: 708, providerCostUsd: 462629500 * 1e-10 });
    // A total that shows the reasoning outside output_tokens has it added, as on chat.
    expect(normalizeUsage('grok', { input_tokens: 10, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 35 })).toEqual({
      input: 10, cachedInput: 0, output: 25, reasoning: 5,
    });
  });
  test('sources its web and X search tools read bill as those tool calls, not again as Live Search sources', () => {
    const tools = { input_tokens: 100, output_tokens: 10, num_sources_used: 4, num_server_side_tools_used: 2, server_side_tool_usage_details: { web_search_calls: 1, x_search_calls: 1 } };
    expect(normalizeUsage('grok', tools)).toEqual({ input: 100, cachedInput: 0, output: 10, reasoning: 0, toolFeesUsd: 0.01 });
    // Live Search on chat (no server-side tools): each source bills.
    expect(normalizeUsage('grok', { prompt_tokens: 100, completion_tokens: 10, num_sources_used: 4 })).toMatchObject({ webSearches: 4, webSearchUsd: 0.025 });
  });
});

describe('ollama', () => {
  test('OpenAI-compatible endpoint', () => {
    expect(normalizeUsage('ollama', fixture('ollama-openai-compat.json').usage)).toEqual({
      input: 26, cachedInput: 0, output: 10, reasoning: 0,
    });
  });
  test('native body: prompt_eval_count / eval_count', () => {
    expect(normalizeOllamaUsage(fixture('ollama-native-chat.json'))).toEqual({ input: 26, cachedInput: 0, output: 282, reasoning: 0 });
  });
});

describe('mock', () => {
  test('OpenAI shape', () => {
    expect(normalizeUsage('mock', fixture('mock-chat.json').usage)).toEqual({ input: 12, cachedInput: 0, output: 2, reasoning: 0 });
  });
});

describe('gemini', () => {
  test('candidatesTokenCount excludes thoughtsTokenCount; cached inside prompt', () => {
    expect(normalizeUsage('gemini', fixture('gemini-2.5-flash-thinking.json').usageMetadata)).toEqual({
      input: 1045, cachedInput: 1024, output: 8 + 468, reasoning: 468,
    });
  });
  test('no counts -> null', () => {
    expect(normalizeUsage('gemini', {})).toBeNull();
  });
});

/** Nonsense main counts, as each provider spells its usage: every one is "no usage" (the row is then estimated). */
const NONSENSE: [ProviderId, string, unknown][] = [
  ['openai', 'negative prompt_tokens', { prompt_tokens: -5, completion_tokens: 3 }],
  ['openai', 'string completion_tokens', { prompt_tokens: 10, completion_tokens: '3' }],
  ['openai', '"NaN" as prompt_tokens', { prompt_tokens: 'NaN', completion_tokens: 3 }],
  ['openai', 'Infinity (1e999 in JSON)', JSON.parse('{"prompt_tokens":1e999,"completion_tokens":3}')],
  ['openai', 'past any whole count (1e300)', { prompt_tokens: 1e300, completion_tokens: 3 }],
  ['gemini', 'past any whole count (2^53)', { promptTokenCount: 2 ** 53, candidatesTokenCount: 3 }],
  ['anthropic', 'past any whole count (1e300 cache writes)', { input_tokens: 12, output_tokens: 3, cache_creation_input_tokens: 1e300 }],
  ['openai', 'Responses spelling, negative output_tokens', { input_tokens: 10, output_tokens: -1 }],
  ['mock', 'negative completion_tokens', { prompt_tokens: 10, completion_tokens: -3 }],
  ['deepseek', 'negative prompt_tokens', { prompt_tokens: -1, completion_tokens: 3, prompt_cache_hit_tokens: 0 }],
  ['moonshot', 'string prompt_tokens', { prompt_tokens: '19', completion_tokens: 13, cached_tokens: 8 }],
  ['grok', 'negative completion_tokens', { prompt_tokens: 32, completion_tokens: -9, completion_tokens_details: { reasoning_tokens: 94 } }],
  ['ollama', 'native: negative eval_count', { prompt_eval_count: 26, eval_count: -1 }],
  ['ollama', 'OpenAI-compatible: string prompt_tokens', { prompt_tokens: '26', completion_tokens: 10 }],
  ['gemini', 'negative promptTokenCount', { promptTokenCount: -1045, candidatesTokenCount: 8 }],
  ['gemini', 'string thoughtsTokenCount', { promptTokenCount: 1045, candidatesTokenCount: 8, thoughtsTokenCount: '468' }],
  ['anthropic', 'negative output_tokens', { input_tokens: 12, output_tokens: -40 }],
  ['anthropic', 'string cache_read_input_tokens', { input_tokens: 12, output_tokens: 40, cache_read_input_tokens: '500' }],
];

describe('nonsense main counts are no usage (so the row is estimated, not billed 0)', () => {
  for (const [provider, name, raw] of NONSENSE) {
    test(`${provider}: ${name}`, () => expect(normalizeUsage(provider, raw)).toBeNull());
  }
});

test('a nonsense detail count (cached, reasoning) reads as 0; the main counts are kept', () => {
  const u = normalizeUsage('openai', { prompt_tokens: 20, completion_tokens: 5, prompt_tokens_details: { cached_tokens: -3 }, completion_tokens_details: { reasoning_tokens: 'x' } });
  expect(u).toEqual({ input: 20, cachedInput: 0, output: 5, reasoning: 0 });
});

test('null counts are not sent: an embeddings usage (prompt_tokens only) is valid', () => {
  expect(normalizeUsage('openai', { prompt_tokens: 8, completion_tokens: null, total_tokens: 8 })).toEqual({ input: 8, cachedInput: 0, output: 0, reasoning: 0 });
});

test('fractional counts are made whole by every provider\'s normaliser, as OpenAI\'s are (a token column holds whole numbers)', () => {
  const whole = (u: ReturnType<typeof normalizeUsage>) => Object.values(u!).filter((v) => typeof v === 'number').every(Number.isInteger);
  const shapes: [ProviderId, unknown][] = [
    ['openai', { prompt_tokens: 1045.5, completion_tokens: 70.25, prompt_tokens_details: { cached_tokens: 0.5 } }],
    ['gemini', { promptTokenCount: 1045.5, cachedContentTokenCount: 100.4, candidatesTokenCount: 70.25, thoughtsTokenCount: 9.5, toolUsePromptTokenCount: 0.5, promptTokensDetails: [{ modality: 'AUDIO', tokenCount: 300.5 }] }],
    ['anthropic', { input_tokens: 12.5, output_tokens: 40.5, cache_read_input_tokens: 0.5, cache_creation_input_tokens: 7.5, cache_creation: { ephemeral_1h_input_tokens: 2.5 }, server_tool_use: { web_search_requests: 1.5 } }],
  ];
  for (const [provider, raw] of shapes) expect({ provider, whole: whole(normalizeUsage(provider, raw)) }).toEqual({ provider, whole: true });
  expect(normalizeUsage('gemini', shapes[1]![1])).toMatchObject({ input: 1047, cachedInput: 100, output: 80, reasoning: 10, audioInput: 301 });
  expect(normalizeUsage('anthropic', shapes[2]![1])).toMatchObject({ input: 13 + 1 + 8, cachedInput: 1, cacheWrite: 8, cacheWrite1h: 3, output: 41, webSearches: 2 });
});
