import type { Usage } from '../../usage/types';

/**
 * Kimi's builtin web search (`tools: [{type: "builtin_function", function: {name: "$web_search"}}]`)
 * bills $0.005 per call: an answer that ends in tool_calls with a `$web_search` call (platform.kimi.ai,
 * WebSearch pricing). The search content then bills as prompt tokens of the next request, inside its usage.
 */
export const KIMI_WEB_SEARCH_USD = 0.005;
const WEB_SEARCH = '$web_search';

/** Marks the stream chunk that carries the usage with the searches the stream made (a symbol: never serialised). */
const SEARCHES = Symbol('kimi $web_search calls');

/** The `$web_search` calls in a list of tool calls (a stream names a call in its first delta only). */
function searchesIn(calls: unknown): number {
  if (!Array.isArray(calls)) return 0;
  let n = 0;
  for (const c of calls) if (c?.function?.name === WEB_SEARCH) n++;
  return n;
}

/** One stream's counter of its `$web_search` calls, run on each chunk after the usage was lifted to the top (liftChoiceUsage). */
export function webSearchCounter(): (chunk: any) => void {
  let searches = 0;
  return (chunk) => {
    const choices = chunk?.choices;
    if (Array.isArray(choices)) for (const c of choices) searches += searchesIn(c?.delta?.tool_calls);
    if (searches > 0 && chunk?.usage) chunk[SEARCHES] = searches;
  };
}

/** The answer's (or the usage chunk's) `$web_search` calls billed beside its tokens (OpenAICompatibleOptions.addFees). */
export function addWebSearchFee(usage: Usage, _model: string, answer: any): void {
  let searches: number = answer?.[SEARCHES] ?? 0;
  if (searches === 0 && Array.isArray(answer?.choices)) for (const c of answer.choices) searches += searchesIn(c?.message?.tool_calls);
  if (searches === 0) return;
  usage.webSearches = searches;
  usage.webSearchUsd = KIMI_WEB_SEARCH_USD;
}
