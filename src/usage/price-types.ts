/**
 * A model's prices as the models table and the bundled genai-prices data give them: what
 * usage/cost.ts bills a request's Usage at (each ModelEntry carries one).
 */

/** Prices in USD per 1M tokens (per image for `imagePrice`). */
export interface ModelPrices {
  input: number;
  /** Unset: cached input is billed at the input price. */
  cachedInput: number | null;
  output: number;
  /** Unset: reasoning is billed at the output price. */
  reasoning: number | null;
  image: number | null;
  /** Unset: prompt-cache writes are billed at the input price. */
  cacheWrite?: number | null;
  /** USD per web search the provider runs for the model (Anthropic: $10 per 1,000); unset: none billed. */
  webSearch?: number | null;
  /** Dearer prices for long prompts (Gemini 2.5 Pro, Claude Sonnet 4.5, Grok 4.3 over 200k tokens); unset: none. */
  longContext?: LongContextTier | null;
  /** Audio tokens (parts of the prompt and the output, OpenAI's audio models), USD per 1M; unset: billed at the text prices. */
  audioInput?: number | null;
  audioOutput?: number | null;
  /**
   * Multipliers of every token price for an answer its upstream says was served at OpenAI's
   * `service_tier` flex or priority (flex 0.5; priority the model's premium); unset: standard prices.
   */
  flexMultiplier?: number | null;
  priorityMultiplier?: number | null;
  /** Every token price times this for an answer Anthropic ran in fast mode (usage `speed: "fast"`); unset: standard prices. */
  fastMultiplier?: number | null;
  /** Every token price times this for an answer Anthropic ran only in the US (usage `inference_geo: "us"`); unset: standard prices. */
  usInferenceMultiplier?: number | null;
  /**
   * Time-of-day prices (DeepSeek's peak and off-peak hours): a request that STARTS inside a window
   * bills the window's token prices instead of the flat ones above (usage/time-of-day-prices.ts
   * pricesAt); unset or empty: the flat prices all day.
   */
  timeOfDay?: readonly TimeOfDayPrice[] | null;
}

/**
 * One daily window of other token prices, in minutes after 00:00 UTC: from `start` (inclusive) to
 * `end` (exclusive); an `end` before `start` crosses midnight (one equal to it: never in force, as in genai-prices). The window's prices replace the
 * flat input, cached input, cache-write and output prices (a null one bills as the window's input,
 * as on the flat row); reasoning, audio, image, tier and multipliers stay the row's.
 */
export interface TimeOfDayPrice {
  start: number;
  end: number;
  input: number;
  cachedInput: number | null;
  cacheWrite: number | null;
  output: number;
  /**
   * The UTC weekdays (0: Sunday, as getUTCDay()) the window holds on, the day a window crossing
   * midnight began; unset: every day. V4's peaks hold Monday to Friday (DeepSeek bills weekends off-peak).
   */
  days?: readonly number[];
}

/**
 * A request whose prompt (input with cache reads and writes) has at least `threshold` tokens bills
 * every token at the tier's prices; each unset tier price keeps the base price of its kind.
 */
export interface LongContextTier {
  threshold: number;
  input: number | null;
  cachedInput: number | null;
  cacheWrite: number | null;
  output: number | null;
  reasoning: number | null;
}
