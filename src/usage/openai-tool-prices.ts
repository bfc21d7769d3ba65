/**
 * What OpenAI bills for the Responses API's built-in tools beside the model's tokens (its pricing
 * page). Reserved by limits/worst-case.ts, billed from the answer by openai-tool-fees.ts.
 */

/** Web search: $10 per 1,000 calls (search content tokens bill as input, inside the usage). */
export const OPENAI_WEB_SEARCH_USD = 0.01;
/** web_search_preview on a model without reasoning (gpt-4o, gpt-4.1): $25 per 1,000 calls, its content tokens free. */
export const OPENAI_WEB_SEARCH_PREVIEW_USD = 0.025;
/** File search: $2.50 per 1,000 calls (the chunks it finds bill as input, inside the usage). */
export const OPENAI_FILE_SEARCH_USD = 0.0025;
/** Code interpreter: $0.03 per container it runs in. */
export const OPENAI_CONTAINER_USD = 0.03;
/** The image generation tool's images bill at their image model's output rate (gpt-image-1 $40 per 1M tokens, gpt-image-1-mini $8). */
const IMAGE_OUTPUT_USD_PER_TOKEN: Record<string, number> = { 'gpt-image-1': 40 / 1e6, 'gpt-image-1-mini': 8 / 1e6 };
/**
 * The model the image generation tool counts as when it names none (OpenAI's API reference gave
 * gpt-image-1 as the default; OpenAI now picks "its own GPT Image model"): reserved, billed and
 * judged by the allow-lists as this one.
 */
export const IMAGE_TOOL_DEFAULT_MODEL = 'gpt-image-1';

/**
 * USD per output token of the image generation tool's model (an unknown one at gpt-image-1's rate).
 * The table's own keys only: the model is the client's text, and `toString` would read Object's.
 */
export function imageToolUsdPerToken(model: unknown): number {
  // Not String(): an object with its own `toString` key made it throw (a 500).
  const name = typeof model === 'string' ? model : '';
  return Object.hasOwn(IMAGE_OUTPUT_USD_PER_TOKEN, name) ? IMAGE_OUTPUT_USD_PER_TOKEN[name]! : IMAGE_OUTPUT_USD_PER_TOKEN[IMAGE_TOOL_DEFAULT_MODEL]!;
}

/**
 * What one chat answer of OpenAI's search models bills beside the tokens: they search the web once
 * per request, and their answer reports no search count. The `*-search-preview` models (gpt-4o and
 * gpt-4o-mini, without reasoning) at web_search_preview's $25 per 1,000 calls, their search content
 * free; the `*-search-api` ones (gpt-5-search-api, a reasoning model) at web search's $10 per 1,000,
 * their search content inside the usage's prompt tokens. Undefined for every other model.
 */
export function searchModelCallUsd(upstreamModel: string): number | undefined {
  if (/-search-preview(?:-|$)/i.test(upstreamModel)) return OPENAI_WEB_SEARCH_PREVIEW_USD;
  if (/-search-api(?:-|$)/i.test(upstreamModel)) return OPENAI_WEB_SEARCH_USD;
  return undefined;
}
