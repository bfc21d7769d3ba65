import type { Usage } from '../../usage/types';
import { toOpenAIUsage } from '../../usage/types';

/**
 * The upstream usage object with OpenAI's convention fields set from the canonical numbers
 * (so xAI's completion_tokens gains its reasoning, DeepSeek's cache hits show as cached_tokens);
 * provider extras (prompt_cache_hit_tokens, audio_tokens...) are kept.
 */
export function withOpenAIUsage(raw: any, u: Usage): Record<string, unknown> {
  const std = toOpenAIUsage(u);
  return {
    ...raw,
    ...std,
    prompt_tokens_details: { ...raw?.prompt_tokens_details, ...std.prompt_tokens_details },
    completion_tokens_details: { ...raw?.completion_tokens_details, ...std.completion_tokens_details },
  };
}

/**
 * The upstream usage already says what withOpenAIUsage would write (OpenAI's own, usually), so
 * the upstream's bytes can go to the client as they are instead of being re-serialised.
 */
export function isOpenAIUsage(raw: any, u: Usage): boolean {
  return (
    raw.prompt_tokens === u.input &&
    raw.completion_tokens === u.output &&
    raw.total_tokens === u.input + u.output &&
    raw.prompt_tokens_details?.cached_tokens === u.cachedInput &&
    raw.completion_tokens_details?.reasoning_tokens === u.reasoning
  );
}
