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
   * (Anthropic's usage.server_tool_use.web_search_requests). Unset: none.
   */
  webSearches?: number;
  /** True when the gateway counted with a tokenizer because the upstream gave no numbers. */
  estimated?: boolean;
}

export const ZERO_USAGE: Usage = Object.freeze({ input: 0, cachedInput: 0, output: 0, reasoning: 0 });

/** OpenAI's `usage` object for a chat completion. */
export function toOpenAIUsage(u: Usage) {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cachedInput },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}
