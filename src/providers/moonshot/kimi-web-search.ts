import type { Usage } from '../../usage/types';
import type { StreamTally } from '../types';

/**
 * Kimi's builtin web search (`tools: [{type: "builtin_function", function: {name: "$web_search"}}]`)
 * bills $0.005 per call: an answer that ends in tool_calls with a `$web_search` call (platform.kimi.ai,
 * WebSearch pricing). The search content then bills as prompt tokens of the next request, inside its usage.
 */
export const KIMI_WEB_SEARCH_USD = 0.005;
/** The name of Kimi's builtin search tool. */
export const WEB_SEARCH = '$web_search';

/** Marks the stream chunk that carries the usage with the searches the stream made (a symbol: never serialised). */
const SEARCHES = Symbol('kimi $web_search calls');

/** The `$web_search` calls in a list of tool calls (a stream names a call in its first delta only). */
function searchesIn(calls: unknown): number {
  if (!Array.isArray(calls)) return 0;
  let n = 0;
  for (const c of calls) if (c?.function?.name === WEB_SEARCH) n++;
  return n;
}

/**
 * One stream's counter of its `$web_search` calls, run on each chunk after the usage was lifted to
 * the top (liftChoiceUsage). Each call seen goes into the tally's bill extras too: Kimi bills a
 * search it ran whether or not its usage chunk arrives, so a stream cut after the call (its client
 * left) bills it beside its token estimate.
 */
export function webSearchCounter(tally?: StreamTally): (chunk: any) => void {
  let searches = 0;
  return (chunk) => {
    const choices = chunk?.choices;
    let seen = 0;
    if (Array.isArray(choices)) for (const c of choices) seen += searchesIn(c?.delta?.tool_calls);
    if (seen > 0) {
      searches += seen;
      if (tally) tally.billExtras = { ...tally.billExtras, webSearches: searches, webSearchUsd: KIMI_WEB_SEARCH_USD };
    }
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

/** The stated content tokens of one `$web_search` result (`usage.total_tokens` of its JSON), 0 when unreadable. */
function statedTokens(content: unknown): number {
  if (typeof content !== 'string' || !content.includes('total_tokens')) return 0;
  try {
    const n = JSON.parse(content)?.usage?.total_tokens;
    return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/**
 * The content tokens of the `$web_search` results a chat body sends back, which Kimi bills as prompt
 * tokens though the body shows a few bytes of them (it reads the content by the result's search id):
 * each tool message answering a `$web_search` call of an earlier assistant turn (by its
 * tool_call_id, or named `$web_search`) counts its stated tokens (`usage.total_tokens`), at least
 * `floor` (a budget's reservation takes a floor, as the client may have changed the figure; a row's
 * estimate takes the figure). 0 for a conversation without one.
 */
export function searchResultTokens(body: { messages?: unknown }, floor = 0): number {
  const messages = body.messages;
  if (!Array.isArray(messages)) return 0;
  let ids: string[] | null = null;
  let tokens = 0;
  for (const m of messages as any[]) {
    if (m?.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const c of m.tool_calls) if (c?.function?.name === WEB_SEARCH && typeof c.id === 'string') (ids ??= []).push(c.id);
    } else if (m?.role === 'tool' && (m.name === WEB_SEARCH || (ids !== null && ids.includes(m.tool_call_id)))) {
      tokens += Math.max(statedTokens(m.content), floor);
    }
  }
  return tokens;
}
