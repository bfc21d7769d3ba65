import { badRequest } from '../errors/api-error';
import type { ModelPatch } from './model-patch';

/** Highest price an admin may set (USD per 1M tokens, per image): a typo guard, as the admin API's schema. */
export const MAX_MODEL_PRICE = 1_000_000;
/** Highest long-context threshold (prompt tokens). */
export const MAX_LONG_CONTEXT_THRESHOLD = 100_000_000;
/** Highest price multiplier: OpenAI's priority premium is under 2x, Anthropic's fast mode 6x, so more is a typo. */
export const MAX_PRICE_MULTIPLIER = 100;
/** The processing-tier and Anthropic mode multipliers (a factor of every token price, not a price). */
export const MULTIPLIER_FIELDS = ['flex_price_multiplier', 'priority_price_multiplier', 'fast_price_multiplier', 'us_inference_price_multiplier'] as const;

const label = (field: string) => field.replace(/_/g, ' ');

/**
 * The ranges of a model patch, for every caller of updateModel: the admin API's schema states the
 * same bounds (from these constants), the dashboard's forms reach only this check. The error's
 * `param` names the field, so a form can show it beside that input.
 */
export function checkModelPatch(patch: ModelPatch): void {
  for (const [field, v] of Object.entries(patch)) {
    if (v === undefined || v === null || typeof v === 'boolean') continue;
    if (field === 'context_window' || field === 'max_output_tokens') {
      if (!Number.isInteger(v) || v < 1 || v > MAX_LONG_CONTEXT_THRESHOLD)
        throw badRequest(`${field === 'context_window' ? 'context window' : 'max output tokens'} must be a whole number of tokens, from 1 to ${MAX_LONG_CONTEXT_THRESHOLD.toLocaleString('en-US')}.`, field);
      continue;
    }
    if (field === 'long_context_threshold') {
      if (!Number.isInteger(v) || v < 1 || v > MAX_LONG_CONTEXT_THRESHOLD)
        throw badRequest(`${label(field)} must be a whole number of prompt tokens, from 1 to ${MAX_LONG_CONTEXT_THRESHOLD.toLocaleString('en-US')}.`, field);
      continue;
    }
    if ((MULTIPLIER_FIELDS as readonly string[]).includes(field)) {
      if (!Number.isFinite(v) || v < 0 || v > MAX_PRICE_MULTIPLIER)
        throw badRequest(`${label(field)} must be a number from 0 to ${MAX_PRICE_MULTIPLIER} (times the standard prices).`, field);
      continue;
    }
    if (!Number.isFinite(v) || v < 0 || v > MAX_MODEL_PRICE)
      throw badRequest(`${label(field)} must be a number of dollars from 0 to ${MAX_MODEL_PRICE.toLocaleString('en-US')}.`, field);
  }
}
