/**
 * What Kimi's builtin web search (`tools: [{type: "builtin_function", function: {name: "$web_search"}}]`)
 * may bill beyond what a chat body shows, for the worst case a budgeted request reserves (worst-case.ts):
 * - each `$web_search` call an answer makes bills KIMI_WEB_SEARCH_USD (kimi-web-search.ts addWebSearchFee);
 * - the next request, which sends the call back with its arguments as the tool result
 *   (`{"search_result":{"search_id":…},"usage":{"total_tokens":N}}`), is billed the search's content
 *   as prompt tokens: Kimi reads it by its id, so the body shows a few bytes of it.
 */
import { KIMI_WEB_SEARCH_USD, WEB_SEARCH, searchResultTokens } from '../providers/moonshot/kimi-web-search';
import { BUILTIN_TOOL } from '../providers/shared/builtin-tools';

/**
 * `$web_search` calls reserved per answer (per choice). Kimi hands every call back to the client
 * (finish_reason tool_calls), so an answer's calls are only those it makes at once: normally one,
 * several where it searches in parallel (its guide loops over `tool_calls`). 5 covers that with
 * room; each costs $0.005, so the reservation grows by $0.025 a choice, not by the whole window.
 */
export const KIMI_SEARCHES_PER_ANSWER = 5;

/**
 * Prompt tokens reserved for one search's content the next request brings in, when its tool result
 * states fewer (or none): Kimi's own figure (`usage.total_tokens`) is what it bills, but the client
 * sends it and may have changed it. Kimi's searches run a few thousand tokens.
 */
export const KIMI_SEARCH_CONTENT_TOKENS = 10_000;

/** Whether a chat body offers Kimi's builtin `$web_search`. */
export function offersKimiSearch(body: Record<string, unknown>): boolean {
  if (!Array.isArray(body.tools)) return false;
  for (const t of body.tools as any[]) if (t?.type === BUILTIN_TOOL && t.function?.name === WEB_SEARCH) return true;
  return false;
}

/**
 * What Kimi's web search may add to a chat request at Moonshot: the prompt tokens of the search
 * content it sends back (each result at the larger of its stated tokens and
 * KIMI_SEARCH_CONTENT_TOKENS: kimi-web-search.ts searchResultTokens), and, when it offers the tool,
 * the fee of KIMI_SEARCHES_PER_ANSWER calls for each of its `choices`.
 */
export function kimiSearchWorst(body: Record<string, unknown>, choices: number): { feeUsd: number; contentTokens: number } {
  const feeUsd = offersKimiSearch(body) ? choices * KIMI_SEARCHES_PER_ANSWER * KIMI_WEB_SEARCH_USD : 0;
  return { feeUsd, contentTokens: searchResultTokens(body, KIMI_SEARCH_CONTENT_TOKENS) };
}
