import type { Usage } from './types';
import { count, field, has, makeUsage, sent, validCounts } from './usage-fields';

/** xAI's Live Search (`search_parameters`): $25 per 1,000 sources used, which its usage counts in `num_sources_used`. */
export const XAI_LIVE_SEARCH_SOURCE_USD = 0.025;

/** USD in one of xAI's cost ticks: its usage.cost_in_usd_ticks counts 1e10 ticks to the dollar. */
export const XAI_USD_PER_TICK = 1e-10;

/**
 * xAI's server-side tools (Agent Tools: its /v1/responses and gRPC API), USD per successful call, by
 * the tool's name (docs.x.ai/developers/pricing): web search, X search and code execution $5 per
 * 1,000 calls, collections search (file_search) $2.50, file attachments search $10. Remote MCP,
 * image and X video understanding bill only their tokens, so they are not here (no fee).
 * `document_search` is the counter name xAI's usage gives the attachment search (its usage has no
 * `attachment_search_calls`); taken to be that tool.
 */
export const XAI_TOOL_CALL_USD: Readonly<Record<string, number>> = {
  web_search: 0.005,
  x_search: 0.005,
  code_execution: 0.005,
  code_interpreter: 0.005,
  collections_search: 0.0025,
  file_search: 0.0025,
  attachment_search: 0.01,
  document_search: 0.01,
};

/**
 * The fee of one call of the tool `name`, or undefined for one that bills no fee. Read as the
 * table's own keys only: a tool type is the client's text (and a counter's name xAI's), and
 * `constructor` or `toString` would otherwise read Object's functions, making the budget's
 * reservation NaN (which no budget check refuses, and which never leaves the key's reserved sum).
 */
export function xaiToolCallUsd(name: string): number | undefined {
  return Object.hasOwn(XAI_TOOL_CALL_USD, name) ? XAI_TOOL_CALL_USD[name] : undefined;
}

/**
 * The tool a counter of xAI's usage names: `web_search_calls` in the REST usage's
 * `server_side_tool_usage_details`, `SERVER_SIDE_TOOL_WEB_SEARCH` in the gRPC/SDK's
 * `server_side_tool_usage`, or the bare name.
 */
const toolName = (key: string): string =>
  key.toLowerCase().replace(/^server_side_tool_/, '').replace(/_calls$/, '');

/**
 * USD of the server-side tool calls an xAI usage object counts (`server_side_tool_usage_details`,
 * or `server_side_tool_usage`), at xaiToolCallUsd; 0 when it counts none that bill. Counters of
 * something other than calls (`x_posts_fetched`) and tools priced by their tokens are skipped.
 */
function xaiToolFeesUsd(usage: unknown): number {
  const counts = field(usage, 'server_side_tool_usage_details') ?? field(usage, 'server_side_tool_usage');
  if (counts === null || typeof counts !== 'object' || Array.isArray(counts)) return 0;
  let usd = 0;
  for (const [key, n] of Object.entries(counts)) {
    const price = xaiToolCallUsd(toolName(key));
    if (price !== undefined) usd += count(n) * price;
  }
  return usd;
}

/** Whether an xAI usage says its server-side tools ran (`num_server_side_tools_used`, or any counter of its details). */
function usesServerSideTools(usage: unknown): boolean {
  if (count(field(usage, 'num_server_side_tools_used')) > 0) return true;
  const counts = field(usage, 'server_side_tool_usage_details') ?? field(usage, 'server_side_tool_usage');
  return counts !== null && typeof counts === 'object' && Object.values(counts).some((n) => count(n) > 0);
}

/**
 * What xAI says it billed (usage.cost_in_usd_ticks, in USD), or undefined when it said nothing
 * usable: a tick count is a non-negative number no larger than a whole count can be exactly
 * (Number.MAX_SAFE_INTEGER ticks, about $900,000 for one request). A string, a negative or a
 * count past that (1e300: a broken or hostile upstream, which would have been billed as 1e290 USD
 * and closed the key's budget for good) is ignored, and the price table's figure stands.
 */
export function xaiReportedCostUsd(usage: unknown): number | undefined {
  const ticks = field(usage, 'cost_in_usd_ticks');
  if (typeof ticks !== 'number' || !(ticks >= 0 && ticks <= Number.MAX_SAFE_INTEGER)) return undefined;
  return Math.round(ticks) * XAI_USD_PER_TICK;
}

/**
 * What an xAI answer bills beside its token counts, added to `usage` in place: the sources its
 * Live Search read (`num_sources_used`, as web searches at XAI_LIVE_SEARCH_SOURCE_USD), its
 * server-side tool calls (xaiToolFeesUsd, as toolFeesUsd) and the cost it reports it billed
 * (providerCostUsd, which then is the request's cost).
 */
function addXaiBill(usage: Usage, raw: unknown): Usage {
  const sources = count(field(raw, 'num_sources_used'));
  const fees = xaiToolFeesUsd(raw);
  // The Responses API counts the sources its web and X search tools read too: those bill as the
  // tool calls they came from, not again as Live Search sources.
  if (sources > 0 && !usesServerSideTools(raw)) {
    usage.webSearches = sources;
    usage.webSearchUsd = XAI_LIVE_SEARCH_SOURCE_USD;
  }
  if (fees > 0) usage.toolFeesUsd = fees;
  const reported = xaiReportedCostUsd(raw);
  if (reported !== undefined) usage.providerCostUsd = reported;
  return usage;
}

/**
 * xAI (Grok). Four quirks:
 * - `completion_tokens` EXCLUDES `completion_tokens_details.reasoning_tokens` (xAI's
 *   `total_tokens` = prompt + completion + reasoning), yet reasoning is billed at the output
 *   rate, so canonical output = completion + reasoning. If a response ever reports a total that
 *   shows reasoning already inside completion, it is not added twice.
 * - `prompt_tokens_details.cached_tokens` has been seen larger than `prompt_tokens`; cached is
 *   clamped to the prompt total (by makeUsage) so it is never billed beyond the prompt.
 * - Live Search bills each source it read beside the tokens (`num_sources_used`), as a web search
 *   at XAI_LIVE_SEARCH_SOURCE_USD; server-side tools bill each call (addXaiBill).
 * - Every answer says what it cost (`cost_in_usd_ticks`; a stream's chunks carry the running total,
 *   its last usage the final one): kept as providerCostUsd, the request's cost.
 * Its Responses API's usage (input_tokens/output_tokens, reasoning inside output) is read by responsesUsage.
 */
export function normalizeGrokUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  if (!sent(u.prompt_tokens) && !sent(u.completion_tokens) && (sent(u.input_tokens) || sent(u.output_tokens))) return responsesUsage(u);
  // Nonsense main counts (negative, strings) are no usage: the row is estimated instead.
  if (!validCounts(u.prompt_tokens, u.completion_tokens)) return null;
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  const reasoning = count(field(u.completion_tokens_details, 'reasoning_tokens'));
  const total = u.total_tokens;
  const reasoningInside = has(total) && reasoning > 0 && count(total) === prompt + completion && completion >= reasoning;
  const output = reasoningInside ? completion : completion + reasoning;
  return addXaiBill(makeUsage(prompt, count(field(u.prompt_tokens_details, 'cached_tokens')), output, reasoning), u);
}

/**
 * xAI's Responses usage (its /v1/responses: `input_tokens`, `output_tokens`, their `*_details`,
 * `num_server_side_tools_used`, `server_side_tool_usage_details`, `cost_in_usd_ticks`). There its
 * `output_tokens` INCLUDES `output_tokens_details.reasoning_tokens` (total = input + output, as
 * OpenAI counts; recorded answers: 35,493 + 1,135 = 36,628 with 708 reasoning); a total that
 * shows them outside (input + output + reasoning) has them added, as on chat.
 */
function responsesUsage(u: Record<string, unknown>): Usage | null {
  if (!validCounts(u.input_tokens, u.output_tokens)) return null;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const reasoning = count(field(u.output_tokens_details, 'reasoning_tokens'));
  const outside = has(u.total_tokens) && reasoning > 0 && count(u.total_tokens) === input + output + reasoning;
  return addXaiBill(makeUsage(input, count(field(u.input_tokens_details, 'cached_tokens')), outside ? output + reasoning : output, reasoning), u);
}
