import type { Usage } from '../usage/types';

/** A Responses `usage` object (OpenAI's own or a bridged one) -> canonical Usage. */
export function usageFromResponse(u: any): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const input = Number(u.input_tokens) || 0;
  const output = Number(u.output_tokens) || 0;
  return {
    input,
    cachedInput: Math.min(Number(u.input_tokens_details?.cached_tokens) || 0, input),
    output,
    reasoning: Math.min(Number(u.output_tokens_details?.reasoning_tokens) || 0, output),
  };
}
