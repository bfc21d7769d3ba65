import type { Usage } from './types';
import { count, field, has, makeUsage, validCounts } from './usage-fields';

/**
 * Moonshot (Kimi): context-cache hits come as a top-level `usage.cached_tokens` (already part of
 * `prompt_tokens`); newer models may use OpenAI's `prompt_tokens_details.cached_tokens` instead.
 */
export function normalizeMoonshotUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  // Nonsense main counts (negative, strings) are no usage: the row is estimated instead.
  if (!validCounts(u.prompt_tokens, u.completion_tokens)) return null;
  const cached = has(u.cached_tokens) ? count(u.cached_tokens) : count(field(u.prompt_tokens_details, 'cached_tokens'));
  return makeUsage(
    count(u.prompt_tokens),
    cached,
    count(u.completion_tokens),
    count(field(u.completion_tokens_details, 'reasoning_tokens')),
  );
}

/**
 * Finds the usage object in a parsed stream chunk. OpenAI-compatible upstreams put it at
 * `chunk.usage`; Moonshot puts it inside `choices[0].usage` of the chunk that carries the
 * finish_reason. Returns null when the chunk carries none (most chunks, or `usage: null`).
 */
export function findUsageInChunk(chunk: unknown): unknown | null {
  const top = field(chunk, 'usage');
  if (top !== null && typeof top === 'object') return top;
  const choices = field(chunk, 'choices');
  if (Array.isArray(choices)) {
    for (const choice of choices) {
      const inner = field(choice, 'usage');
      if (inner !== null && typeof inner === 'object') return inner;
    }
  }
  return null;
}
