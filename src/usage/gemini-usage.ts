import type { Usage } from './types';
import { validCounts } from './usage-fields';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Gemini `usageMetadata` -> canonical usage. Pure. Returns null when the object carries no
 * counts at all, or a count that is nonsense (negative, a string: validCounts), so the caller
 * estimates instead of billing zero.
 *
 * In a stream Gemini repeats usageMetadata on chunks as a running total, so pass the LAST one
 * seen; adding them up would bill the prompt once per chunk.
 */
export function normalizeGeminiUsage(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  if (!validCounts(u.promptTokenCount, u.candidatesTokenCount, u.thoughtsTokenCount, u.toolUsePromptTokenCount, u.totalTokenCount)) return null;

  // Tokens of tool-use prompts (e.g. grounding search results) are billed as input but are
  // not part of promptTokenCount.
  const input = num(u.promptTokenCount) + num(u.toolUsePromptTokenCount);
  // cachedContentTokenCount is a subset of promptTokenCount; the clamp guards odd reports.
  const cachedInput = Math.min(num(u.cachedContentTokenCount), input);
  // candidatesTokenCount EXCLUDES thinking: OpenAI's completion_tokens includes reasoning, so
  // output = candidates + thoughts and reasoning = thoughts.
  const reasoning = num(u.thoughtsTokenCount);
  const output = num(u.candidatesTokenCount) + reasoning;
  return { input, cachedInput, output, reasoning };
}
