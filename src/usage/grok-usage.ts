import type { Usage } from './types';
import { count, field, has, makeUsage, validCounts } from './usage-fields';

/** xAI's Live Search (`search_parameters`): $25 per 1,000 sources used, which its usage counts in `num_sources_used`. */
export const XAI_LIVE_SEARCH_SOURCE_USD = 0.025;

/**
 * xAI (Grok). Three quirks:
 * - `completion_tokens` EXCLUDES `completion_tokens_details.reasoning_tokens` (xAI's
 *   `total_tokens` = prompt + completion + reasoning), yet reasoning is billed at the output
 *   rate, so canonical output = completion + reasoning. If a response ever reports a total that
 *   shows reasoning already inside completion, it is not added twice.
 * - `prompt_tokens_details.cached_tokens` has been seen larger than `prompt_tokens`; cached is
 *   clamped to the prompt total (by makeUsage) so it is never billed beyond the prompt.
 * - Live Search bills each source it read beside the tokens (`num_sources_used`), as a web search
 *   at XAI_LIVE_SEARCH_SOURCE_USD.
 */
export function normalizeGrokUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  // Nonsense main counts (negative, strings) are no usage: the row is estimated instead.
  if (!validCounts(u.prompt_tokens, u.completion_tokens)) return null;
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  const reasoning = count(field(u.completion_tokens_details, 'reasoning_tokens'));
  const total = u.total_tokens;
  const reasoningInside = has(total) && reasoning > 0 && count(total) === prompt + completion && completion >= reasoning;
  const output = reasoningInside ? completion : completion + reasoning;
  const usage = makeUsage(prompt, count(field(u.prompt_tokens_details, 'cached_tokens')), output, reasoning);
  const sources = count(u.num_sources_used);
  if (sources > 0) {
    usage.webSearches = sources;
    usage.webSearchUsd = XAI_LIVE_SEARCH_SOURCE_USD;
  }
  return usage;
}
