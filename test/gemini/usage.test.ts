import { describe, expect, test } from 'bun:test';
import { normalizeGeminiUsage } from '../../src/usage/gemini-usage';
import { fixtureJson, fixtureLines } from './helpers';

describe('normalizeGeminiUsage', () => {
  test('thoughts are added to output (candidatesTokenCount excludes them); cached is part of input', () => {
    expect(normalizeGeminiUsage(fixtureJson('text.json').usageMetadata)).toEqual({ input: 1050, cachedInput: 1024, output: 107, reasoning: 99 });
  });

  test('the last usageMetadata of a stream is the total (running totals, not increments)', () => {
    const lines = fixtureLines('text.chunks.txt').map((l) => JSON.parse(l));
    const last = normalizeGeminiUsage(lines.at(-1).usageMetadata)!;
    expect(last).toEqual({ input: 2107, cachedInput: 2048, output: 27 + 412, reasoning: 412 });
    // totalTokenCount agrees with the canonical sum.
    expect(last.input + last.output).toBe(lines.at(-1).usageMetadata.totalTokenCount);
  });

  test('tool-use prompt tokens count as input (they are billed, and in totalTokenCount)', () => {
    const raw = { promptTokenCount: 19, cachedContentTokenCount: 3, candidatesTokenCount: 4, toolUsePromptTokenCount: 63, thoughtsTokenCount: 56, totalTokenCount: 142 };
    const u = normalizeGeminiUsage(raw)!;
    expect(u).toEqual({ input: 82, cachedInput: 3, output: 60, reasoning: 56 });
    expect(u.input + u.output).toBe(raw.totalTokenCount);
  });

  test('a blocked prompt has prompt tokens only', () => {
    const raw = JSON.parse(fixtureLines('prompt-block.chunks.txt')[0]!).usageMetadata;
    expect(normalizeGeminiUsage(raw)).toEqual({ input: 12, cachedInput: 0, output: 0, reasoning: 0 });
  });

  test('no numbers -> null; a nonsense main count -> null (estimated); cached never exceeds input', () => {
    expect(normalizeGeminiUsage(undefined)).toBeNull();
    expect(normalizeGeminiUsage('x')).toBeNull();
    expect(normalizeGeminiUsage({ promptTokensDetails: [] })).toBeNull();
    expect(normalizeGeminiUsage({ promptTokenCount: 5, candidatesTokenCount: -3 })).toBeNull();
    expect(normalizeGeminiUsage({ promptTokenCount: 5, cachedContentTokenCount: 9, candidatesTokenCount: 3 })).toEqual({ input: 5, cachedInput: 5, output: 3, reasoning: 0 });
  });
});
