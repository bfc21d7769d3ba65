/**
 * What a model patch holds: the fields an admin may change, and the nullable numeric columns
 * they are written to as they are. Its ranges are checked in model-patch-limits.ts.
 */
import type { models } from '../db/schema';

/**
 * The nullable numeric columns read and patched as they are: the long-context tier, audio prices
 * and processing-tier multipliers (API field -> column), shared by the view and the patch.
 */
export const NULLABLE_COLUMNS = {
  long_context_threshold: 'longContextThreshold',
  long_context_input_price: 'longContextInputPrice',
  long_context_cached_input_price: 'longContextCachedInputPrice',
  long_context_cache_write_price: 'longContextCacheWritePrice',
  long_context_output_price: 'longContextOutputPrice',
  long_context_reasoning_price: 'longContextReasoningPrice',
  audio_input_price: 'audioInputPrice',
  audio_output_price: 'audioOutputPrice',
  flex_price_multiplier: 'flexPriceMultiplier',
  priority_price_multiplier: 'priorityPriceMultiplier',
  fast_price_multiplier: 'fastPriceMultiplier',
  us_inference_price_multiplier: 'usInferencePriceMultiplier',
  max_output_tokens: 'maxOutputTokens',
} as const satisfies Record<string, keyof typeof models.$inferSelect>;
export type NullableField = keyof typeof NULLABLE_COLUMNS;

export interface ModelPatch extends Partial<Record<NullableField, number | null>> {
  /** Tokens of prompt plus output the model takes (bounds a budget's worst case); null: unknown. */
  context_window?: number | null;
  enabled?: boolean;
  input_price?: number;
  cached_input_price?: number | null;
  output_price?: number;
  reasoning_price?: number | null;
  image_price?: number | null;
  cache_write_price?: number | null;
}
