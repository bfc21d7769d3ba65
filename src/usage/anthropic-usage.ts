import type { Usage } from './types';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Anthropic `usage` -> canonical usage. Pure. Returns null when the object carries no counts.
 *
 * Anthropic's `input_tokens` EXCLUDES cache reads and cache writes (they are reported beside it),
 * while OpenAI's prompt_tokens includes every prompt token: input = input + cache read + cache
 * write, cachedInput = cache read, cacheWrite = cache creation. `output_tokens` already includes
 * thinking; Anthropic reports no separate thinking count, so reasoning stays 0 (the gateway does
 * not guess a split it would then bill at another rate).
 *
 * In a stream, message_start carries the prompt counts and message_delta the running output
 * count (newer API versions repeat the prompt counts there too): merge the two, later non-null
 * values winning, before calling this.
 */
export function normalizeAnthropicUsage(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  const keys = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'];
  if (!keys.some((k) => typeof u[k] === 'number')) return null;
  const cachedInput = num(u.cache_read_input_tokens);
  const cacheWrite = num(u.cache_creation_input_tokens);
  return {
    input: num(u.input_tokens) + cachedInput + cacheWrite,
    cachedInput,
    output: num(u.output_tokens),
    reasoning: 0,
    cacheWrite,
  };
}
