import { gptImageTokens } from './gpt-image-tokens';
import {
  imageToolUsdPerToken, OPENAI_CONTAINER_USD, OPENAI_FILE_SEARCH_USD, OPENAI_WEB_SEARCH_PREVIEW_USD, OPENAI_WEB_SEARCH_USD,
} from './openai-tool-prices';
import { ZERO_USAGE, type BillExtras, type Usage } from './types';
import { xaiToolCallUsd } from './grok-usage';
import type { ProviderId } from '../providers/types';
import { ID_CHARS, shownValue } from '../errors/shown-value';

/**
 * What an OpenAI Responses answer's built-in tools bill beside the tokens, from its output items
 * (its usage counts none of them), added to `usage` in place:
 * - each `web_search_call` as a web search (usage.webSearches), at the rate of the search tool the
 *   answer echoes (`web_search_preview*` on a model without reasoning, `reasoning.effort` null:
 *   the preview rate);
 * - each `file_search_call`, each container a `code_interpreter_call` ran in, and each
 *   `image_generation_call` image (gpt-image-1's tokens for its quality and size, the dearest when
 *   `auto`) as usage.toolFeesUsd.
 */
export function addOpenAIToolFees(usage: Usage, response: any): void {
  const output: any[] = Array.isArray(response?.output) ? response.output : [];
  const tools: any[] = Array.isArray(response?.tools) ? response.tools : [];
  const imageTool = tools.find((t) => t?.type === 'image_generation') ?? {};
  let searches = 0;
  let fees = 0;
  const containers = new Set<string>();
  for (const item of output) {
    if (item?.type === 'web_search_call') searches++;
    else if (item?.type === 'file_search_call') fees += OPENAI_FILE_SEARCH_USD;
    // shownValue, not String(): the id is the upstream's, and String() of an object with its own
    // non-function toString key throws (the answer was then billed by estimate).
    else if (item?.type === 'code_interpreter_call') containers.add(shownValue(item.container_id ?? '', ID_CHARS));
    else if (item?.type === 'image_generation_call' && item.status !== 'failed') {
      const asked = { size: item.size ?? imageTool.size, quality: item.quality ?? imageTool.quality };
      fees += gptImageTokens(asked, true) * imageToolUsdPerToken(imageTool.model);
    }
  }
  fees += containers.size * OPENAI_CONTAINER_USD;
  if (fees > 0) usage.toolFeesUsd = fees;
  if (searches === 0) return;
  const preview = tools.some((t) => typeof t?.type === 'string' && t.type.startsWith('web_search_preview'));
  const reasons = typeof response?.reasoning?.effort === 'string' && response.reasoning.effort !== 'none';
  usage.webSearches = searches;
  usage.webSearchUsd = preview && !reasons ? OPENAI_WEB_SEARCH_PREVIEW_USD : OPENAI_WEB_SEARCH_USD;
}

/**
 * What the built-in tool calls a Responses stream finished before it was cut bill (its
 * `response.output_item.done` items): the provider bills a search, an image or a container once
 * made, whether or not the stream's end came. OpenAI's at the rates of the tools and reasoning its
 * response.created named (addOpenAIToolFees); xAI's server-side tool calls (`web_search_call`,
 * `x_search_call`, ...) at xaiToolCallUsd, as its usage's counters would have billed them. Undefined: none that bill.
 */
export function doneToolFees(provider: ProviderId, created: unknown, doneItems: readonly unknown[]): BillExtras | undefined {
  if (doneItems.length === 0) return undefined;
  const u: Usage = { ...ZERO_USAGE };
  if (provider === 'grok') u.toolFeesUsd = xaiDoneToolUsd(doneItems);
  else addOpenAIToolFees(u, { ...(created as object | null), output: doneItems });
  const { webSearches, webSearchUsd, toolFeesUsd } = u;
  return webSearches || toolFeesUsd ? { ...(webSearches ? { webSearches, webSearchUsd } : {}), ...(toolFeesUsd ? { toolFeesUsd } : {}) } : undefined;
}

/** USD of xAI's server-side tool calls among output items (`<tool>_call`, not failed). */
function xaiDoneToolUsd(items: readonly unknown[]): number {
  let usd = 0;
  for (const item of items as any[]) {
    if (typeof item?.type !== 'string' || !item.type.endsWith('_call') || item.status === 'failed') continue;
    usd += xaiToolCallUsd(item.type.slice(0, -'_call'.length)) ?? 0;
  }
  return usd;
}
