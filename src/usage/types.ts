/** OpenAI's processing tiers priced apart from standard. */
export type ServiceTier = 'flex' | 'priority';

/** The tier an answer's `service_tier` names, when it is one priced apart from standard. */
export function serviceTierOf(value: unknown): ServiceTier | undefined {
  return value === 'flex' || value === 'priority' ? value : undefined;
}

/**
 * Canonical token usage, in OpenAI's convention whatever the provider reported:
 * `input` includes `cachedInput`, `output` includes `reasoning`.
 */
export interface Usage {
  input: number;
  cachedInput: number;
  output: number;
  reasoning: number;
  /**
   * Prompt tokens written to the provider's prompt cache (Anthropic's cache_creation_input_tokens),
   * billed at the model's cache-write rate; part of `input`, like `cachedInput`. Unset: none.
   */
  cacheWrite?: number;
  /**
   * Of `cacheWrite`, the tokens written to the 1-hour cache (Anthropic's
   * cache_creation.ephemeral_1h_input_tokens), billed at the 1-hour rate; the rest of
   * `cacheWrite` went to the 5-minute cache. Unset: none.
   */
  cacheWrite1h?: number;
  /**
   * Web searches the provider ran on the model's behalf and bills per search, beside the tokens
   * (Anthropic's usage.server_tool_use.web_search_requests; OpenAI's `web_search_call` output items
   * of a Responses answer). Unset: none.
   */
  webSearches?: number;
  /**
   * USD per search when the answer shows which rate applies (OpenAI: openai-tool-fees.ts);
   * unset: the model's `webSearch` price.
   */
  webSearchUsd?: number;
  /**
   * USD the upstream bills for other built-in tools beside the tokens (OpenAI's file search calls,
   * code interpreter containers, image generation tool images). Unset: none.
   */
  toolFeesUsd?: number;
  /**
   * Of `input`, audio tokens (OpenAI's prompt_tokens_details.audio_tokens), billed at the model's
   * audio input price. Unset: none.
   */
  audioInput?: number;
  /**
   * Of `cachedInput`, audio tokens (Gemini's cacheTokensDetails AUDIO), billed at the cached audio
   * price (usage/cost.ts cachedAudioPrice). Unset: none.
   */
  cachedAudioInput?: number;
  /** Of `output`, audio tokens (completion_tokens_details.audio_tokens), at the audio output price. Unset: none. */
  audioOutput?: number;
  /**
   * The processing tier the upstream says served the request, when it is priced apart from
   * standard (OpenAI's `service_tier` flex or priority): every token bills at the model's
   * multiplier for it. Unset: standard (also `default`, `auto` and `scale`).
   */
  serviceTier?: ServiceTier;
  /**
   * Anthropic ran the request in fast mode (its usage says `speed: "fast"`): every token bills at
   * the model's fast multiplier. Unset: standard speed (also a request that asked for fast mode and
   * was served at standard speed, which Anthropic bills at standard rates).
   */
  fast?: true;
  /**
   * Anthropic ran the request only in the US (its usage says `inference_geo: "us"`, asked per request
   * or by the workspace's default): every token bills at the model's US-only multiplier. Unset: global.
   */
  usOnly?: true;
  /**
   * Sampling steps the provider ran server-side beside the answer and bills on their own
   * (Anthropic's `usage.iterations` of type `compaction`: the model summarising the context it
   * closes, whose tokens its top-level counts leave out). Already added into the counts above;
   * each step bills at the prices of its own prompt length. Unset: none.
   */
  extraSteps?: Pick<Usage, 'input' | 'cachedInput' | 'output' | 'reasoning' | 'cacheWrite' | 'cacheWrite1h'>[];
  /**
   * USD the upstream itself says it billed for this answer, everything included (xAI's
   * usage.cost_in_usd_ticks / 1e10: tokens and server-side tool calls, after its discounts). When
   * set it is the request's cost (proxy/request-outcome.ts chargedUsd); computeCost's price-table
   * figure is logged beside it. Unset: the upstream reported none.
   */
  providerCostUsd?: number;
  /** True when the gateway counted with a tokenizer because the upstream gave no numbers. */
  estimated?: boolean;
}

/**
 * What an answer bills beside its token counts (the tier that served it, per-request fees):
 * known from a stream's first chunk, and kept for the token estimate of a stream cut before its usage.
 */
export type BillExtras = Pick<Usage, 'serviceTier' | 'webSearches' | 'webSearchUsd' | 'toolFeesUsd'>;

export const ZERO_USAGE: Usage = Object.freeze({ input: 0, cachedInput: 0, output: 0, reasoning: 0 });

/**
 * OpenAI's `usage` object for a chat completion. Prompt-cache writes (Anthropic's, part of
 * prompt_tokens and billed above the input rate) have no OpenAI field: they are told as
 * `prompt_tokens_details.cache_write_tokens`, OpenRouter's name for them, when there are any.
 */
export function toOpenAIUsage(u: Usage) {
  const details: { cached_tokens: number; cache_write_tokens?: number } = { cached_tokens: u.cachedInput };
  if ((u.cacheWrite ?? 0) > 0) details.cache_write_tokens = u.cacheWrite;
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: details,
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}
