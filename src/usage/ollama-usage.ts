import type { Usage } from './types';
import { normalizeOpenAIUsage } from './openai-usage';
import { count, makeUsage, sent, validCounts } from './usage-fields';

/**
 * Ollama. Its OpenAI-compatible endpoint sends `{prompt_tokens, completion_tokens, total_tokens}`
 * with no cache or reasoning details. Its native API (`/api/chat`, `/api/generate`) puts
 * `prompt_eval_count` / `eval_count` at the top level of the response, so pass the whole body.
 * Native `prompt_eval_count` is omitted when the whole prompt came from Ollama's KV cache; that
 * reads as 0 input (Ollama is free, so no cost is lost).
 */
export function normalizeOllamaUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  if (sent(u.prompt_eval_count) || sent(u.eval_count)) {
    if (!validCounts(u.prompt_eval_count, u.eval_count)) return null;
    return makeUsage(count(u.prompt_eval_count), 0, count(u.eval_count), 0);
  }
  return normalizeOpenAIUsage(u);
}
