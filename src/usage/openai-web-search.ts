import type { Usage } from './types';

/** OpenAI's web search tool: $10 per 1,000 calls (search content tokens bill as input, inside the usage). */
export const OPENAI_WEB_SEARCH_USD = 0.01;
/** web_search_preview on a model without reasoning (gpt-4o, gpt-4.1): $25 per 1,000 calls, its content tokens free. */
export const OPENAI_WEB_SEARCH_PREVIEW_USD = 0.025;

/**
 * The web searches a Responses answer ran, which OpenAI bills per call beside the tokens: one per
 * `web_search_call` output item (its usage has no count of them), at the rate of the search tool the
 * answer echoes (a `web_search_preview*` tool on a model without reasoning, `reasoning.effort`
 * null, bills the preview rate). Adds them to `usage` in place.
 */
export function addOpenAIWebSearches(usage: Usage, response: any): void {
  const output = Array.isArray(response?.output) ? response.output : [];
  let calls = 0;
  for (const item of output) if (item?.type === 'web_search_call') calls++;
  if (calls === 0) return;
  const tools = Array.isArray(response?.tools) ? response.tools : [];
  const preview = tools.some((t: any) => typeof t?.type === 'string' && t.type.startsWith('web_search_preview'));
  const reasons = typeof response?.reasoning?.effort === 'string' && response.reasoning.effort !== 'none';
  usage.webSearches = calls;
  usage.webSearchUsd = preview && !reasons ? OPENAI_WEB_SEARCH_PREVIEW_USD : OPENAI_WEB_SEARCH_USD;
}
