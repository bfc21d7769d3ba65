import type { Usage } from './types';
import { count, field, has, makeUsage, validCounts } from './usage-fields';

/**
 * DeepSeek: `prompt_tokens` = `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens`, so cached
 * is already inside the prompt total. Context-cache hits are reported as
 * `prompt_cache_hit_tokens` (newer responses also mirror it in `prompt_tokens_details`).
 * deepseek-reasoner counts its chain of thought inside `completion_tokens`, like OpenAI.
 */
export function normalizeDeepSeekUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  // Nonsense main counts (negative, strings) are no usage: the row is estimated instead.
  if (!validCounts(u.prompt_tokens, u.completion_tokens)) return null;
  const cached = has(u.prompt_cache_hit_tokens)
    ? count(u.prompt_cache_hit_tokens)
    : count(field(u.prompt_tokens_details, 'cached_tokens'));
  return makeUsage(
    count(u.prompt_tokens),
    cached,
    count(u.completion_tokens),
    count(field(u.completion_tokens_details, 'reasoning_tokens')),
  );
}
