import { describe, expect, test } from 'bun:test';
import { toMonitorEvent } from '../../src/monitor/redact-record';
import { computeCost } from '../../src/usage/cost';
import { anthropicUsageMerger, normalizeAnthropicUsage } from '../../src/usage/anthropic-usage';
import { normalizeUsage } from '../../src/usage/normalize-usage';
import { anthropicJson } from './fake-anthropic';

const sonnet = { input: 3, cachedInput: 0.3, output: 15, reasoning: null, image: null, cacheWrite: 3.75 };

describe('Anthropic usage in OpenAI convention', () => {
  test('input_tokens excludes cache reads and writes: prompt = input + read + write, cached = read', () => {
    const u = normalizeAnthropicUsage({ input_tokens: 14, cache_read_input_tokens: 2048, cache_creation_input_tokens: 300, output_tokens: 8 });
    expect(u).toEqual({ input: 2362, cachedInput: 2048, cacheWrite: 300, output: 8, reasoning: 0 });
    expect(normalizeUsage('anthropic', anthropicJson('cache-write.json').usage)).toEqual({ input: 2060, cachedInput: 0, cacheWrite: 2048, output: 11, reasoning: 0 });
  });

  test('no counts at all is null (the gateway then estimates), nulls count as 0', () => {
    expect(normalizeAnthropicUsage(undefined)).toBeNull();
    expect(normalizeAnthropicUsage({ service_tier: 'standard' })).toBeNull();
    expect(normalizeAnthropicUsage({ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: null })).toEqual({ input: 5, cachedInput: 0, cacheWrite: 0, output: 2, reasoning: 0 });
  });
});

describe('thinking_tokens (output_tokens_details): reasoning, a part of output', () => {
  test('read as reasoning, at most output; null, absent or nonsense: 0', () => {
    const base = { input_tokens: 472, output_tokens: 89 };
    expect(normalizeAnthropicUsage({ ...base, output_tokens_details: { thinking_tokens: 41 } })).toMatchObject({ output: 89, reasoning: 41 });
    expect(normalizeAnthropicUsage({ ...base, output_tokens_details: { thinking_tokens: 95 } })).toMatchObject({ output: 89, reasoning: 89 });
    for (const details of [null, undefined, {}, { thinking_tokens: null }, { thinking_tokens: '41' }, { thinking_tokens: -3 }]) {
      expect(normalizeAnthropicUsage({ ...base, output_tokens_details: details })).toMatchObject({ output: 89, reasoning: 0 });
    }
  });

  test("a stream: message_delta's cumulative details win; one without them (or null) leaves the last count", () => {
    const merge = anthropicUsageMerger();
    merge({ input_tokens: 472, output_tokens: 4, output_tokens_details: { thinking_tokens: 0 } });
    expect(merge({ output_tokens: 60, output_tokens_details: { thinking_tokens: 41 } })).toMatchObject({ output: 60, reasoning: 41 });
    expect(merge({ output_tokens: 89, output_tokens_details: null })).toMatchObject({ output: 89, reasoning: 41 });
    expect(merge({ output_tokens: 89 })).toMatchObject({ output: 89, reasoning: 41 });
  });

  test('billed once, at the output price on a model without a reasoning price: the cost of the same answer without the field', () => {
    const withThinking = normalizeAnthropicUsage({ input_tokens: 472, output_tokens: 89, output_tokens_details: { thinking_tokens: 41 } })!;
    const without = normalizeAnthropicUsage({ input_tokens: 472, output_tokens: 89 })!;
    expect(computeCost(withThinking, sonnet)).toBe(computeCost(without, sonnet));
    expect(computeCost(withThinking, sonnet)).toBeCloseTo((472 * 3 + 89 * 15) / 1e6, 12);
  });
});

describe('cost with cache writes', () => {
  test('each prompt token billed once: uncached at input, reads at the cached rate, writes at the cache-write rate', () => {
    const u = { input: 2362, cachedInput: 2048, cacheWrite: 300, output: 8, reasoning: 0 };
    expect(computeCost(u, sonnet)).toBeCloseTo((14 * 3 + 2048 * 0.3 + 300 * 3.75 + 8 * 15) / 1e6, 12);
  });

  test('a model without a cache-write price bills writes at the input price', () => {
    const u = { input: 1000, cachedInput: 0, cacheWrite: 600, output: 0, reasoning: 0 };
    expect(computeCost(u, { ...sonnet, cacheWrite: null })).toBeCloseTo((1000 * 3) / 1e6, 12);
  });

  test('1-hour writes (cache_creation.ephemeral_1h_input_tokens) bill at 2x input, 5-minute ones at the cache-write rate', () => {
    const u = normalizeAnthropicUsage({
      input_tokens: 12, cache_read_input_tokens: 500, cache_creation_input_tokens: 3000, output_tokens: 40,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
    })!;
    expect(u).toEqual({ input: 3512, cachedInput: 500, cacheWrite: 3000, cacheWrite1h: 2000, output: 40, reasoning: 0 });
    // 12*3 + 500*0.3 + 1000*3.75 (5 min) + 2000*6 (1 h) + 40*15; was 3000*3.75 for both TTLs.
    expect(computeCost(u, sonnet)).toBeCloseTo((12 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + 40 * 15) / 1e6, 12);
    // A model without a cache-write price bills every write at the input price, 1-hour ones too.
    expect(computeCost(u, { ...sonnet, cacheWrite: null })).toBeCloseTo((12 * 3 + 500 * 0.3 + 3000 * 3 + 40 * 15) / 1e6, 12);
    // A 1-hour count above the total write count is clamped to it (never billed beyond the prompt).
    expect(normalizeAnthropicUsage({ input_tokens: 1, cache_creation_input_tokens: 10, output_tokens: 1, cache_creation: { ephemeral_1h_input_tokens: 99 } })!.cacheWrite1h).toBe(10);
  });

  test('usage without cacheWrite (every other provider) costs what it did', () => {
    const u = { input: 1000, cachedInput: 400, output: 100, reasoning: 0 };
    expect(computeCost(u, sonnet)).toBeCloseTo((600 * 3 + 400 * 0.3 + 100 * 15) / 1e6, 12);
  });
});

describe('the live monitor', () => {
  test('broadcasts cache_write_tokens with the other token counts', () => {
    const base = {
      createdAt: 1, requestId: 'r', clientId: 1, endpoint: 'chat' as const, modelRequested: 'claude-sonnet-4-5', model: 'claude-sonnet-4-5',
      provider: 'anthropic', route: null, stream: false, status: 200, errorType: null, error: null, promptTokens: 2060, cachedTokens: 0,
      completionTokens: 11, reasoningTokens: 0, estimated: false, costUsd: 0.0079, latencyMs: 10, ttfbMs: null, overheadMs: 0.2,
    };
    expect(toMonitorEvent({ ...base, cacheWriteTokens: 2048 }).data).toMatchObject({ prompt_tokens: 2060, cache_write_tokens: 2048 });
    expect(toMonitorEvent(base).data.cache_write_tokens).toBe(0);
  });
});
