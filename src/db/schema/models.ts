import { sqliteTable, text, integer, real, index } from 'drizzle-orm/sqlite-core';
import type { TimeOfDayWindow } from '../../usage/time-of-day-prices';

/** Known models and their prices (USD per 1M tokens; per image for image models). */
export const models = sqliteTable(
  'models',
  {
    /** The id clients use, e.g. `gpt-4o`. */
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    /** The id sent upstream (usually the same as `id`). */
    upstreamId: text('upstream_id').notNull(),
    kind: text('kind', { enum: ['chat', 'image', 'embedding'] }).notNull().default('chat'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    inputPrice: real('input_price').notNull().default(0),
    cachedInputPrice: real('cached_input_price'),
    outputPrice: real('output_price').notNull().default(0),
    /** Unset: reasoning is billed at the output price. */
    reasoningPrice: real('reasoning_price'),
    imagePrice: real('image_price'),
    contextWindow: integer('context_window'),
    updatedAt: integer('updated_at').notNull(),
    /** Prompt-cache writes (Anthropic's 5-minute rate); unset: billed at the input price. */
    cacheWritePrice: real('cache_write_price'),
    /**
     * Long-context tier: a request whose prompt (input including cache reads and writes) is at
     * least this many tokens bills ALL its tokens at the long_context_* prices (Anthropic's and
     * Google's rule; genai-prices' tier `start` + 1, as it applies a tier above its start).
     * Unset: no tier.
     */
    longContextThreshold: integer('long_context_threshold'),
    /** Tier prices, USD per 1M tokens; each unset one keeps the base price of its kind. */
    longContextInputPrice: real('long_context_input_price'),
    longContextCachedInputPrice: real('long_context_cached_input_price'),
    longContextCacheWritePrice: real('long_context_cache_write_price'),
    longContextOutputPrice: real('long_context_output_price'),
    longContextReasoningPrice: real('long_context_reasoning_price'),
    /**
     * Audio tokens (OpenAI's prompt_tokens_details.audio_tokens / completion_tokens_details.audio_tokens,
     * parts of the prompt and completion counts), USD per 1M; unset: billed at the text prices.
     */
    audioInputPrice: real('audio_input_price'),
    audioOutputPrice: real('audio_output_price'),
    /**
     * OpenAI's processing tiers: a request the answer says was served at `service_tier` flex or
     * priority bills every token price times this (flex: 0.5; priority: the model's premium, e.g.
     * 1.75 for gpt-4.1); unset: the tier bills the standard prices.
     */
    flexPriceMultiplier: real('flex_price_multiplier'),
    priorityPriceMultiplier: real('priority_price_multiplier'),
    /**
     * Anthropic's fast mode: an answer whose usage says `speed: "fast"` bills every token price
     * (cache reads and writes included) times this (6 for Claude Opus 4.6); unset: standard prices.
     */
    fastPriceMultiplier: real('fast_price_multiplier'),
    /**
     * Anthropic's US-only inference: an answer whose usage says `inference_geo: "us"` bills every
     * token price times this (1.1 on Claude Opus 4.6, Sonnet 4.6 and later); unset: standard prices.
     */
    usInferencePriceMultiplier: real('us_inference_price_multiplier'),
    /**
     * The most output tokens the model writes in one answer (deepseek-chat: 8,192). A request asking
     * for more is sent with this many (src/proxy/output-limit.ts) instead of the upstream's 400.
     * Unset: unknown, the request is sent as asked.
     */
    maxOutputTokens: integer('max_output_tokens'),
    /**
     * Time-of-day prices (DeepSeek's peak and off-peak hours, from genai-prices): daily UTC windows
     * in which other token prices apply, as JSON `[{start: "HH:MM", end: "HH:MM", input_price,
     * cached_input_price, cache_write_price, output_price, days?: ["mon", ...]}]` (days: the UTC
     * weekdays it holds on, absent: every day; src/usage/time-of-day-prices.ts); a request is priced
     * at the window in force when it started. Unset: the flat prices all day.
     * An admin's price change clears it (a flat price set by hand is the price all day).
     */
    timeOfDayPrices: text('time_of_day_prices', { mode: 'json' }).$type<TimeOfDayWindow[]>(),
  },
  (t) => [index('models_provider_idx').on(t.provider)],
);
