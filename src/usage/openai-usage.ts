import type { Usage } from './types';
import { count, field, makeUsage, sent, validCounts } from './usage-fields';

/**
 * OpenAI's usage, already in the canonical convention: `prompt_tokens` includes
 * `prompt_tokens_details.cached_tokens` and `completion_tokens` includes
 * `completion_tokens_details.reasoning_tokens`. The Responses API spells the same numbers
 * `input_tokens` / `output_tokens` with `*_details`, so both shapes are read here. Main counts
 * that are nonsense (validCounts) make the usage missing, so the row is estimated.
 */
export function normalizeOpenAIUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  if (sent(u.prompt_tokens) || sent(u.completion_tokens)) {
    if (!validCounts(u.prompt_tokens, u.completion_tokens)) return null;
    const usage = makeUsage(
      count(u.prompt_tokens),
      count(field(u.prompt_tokens_details, 'cached_tokens')),
      count(u.completion_tokens),
      count(field(u.completion_tokens_details, 'reasoning_tokens')),
    );
    // Audio models (gpt-audio, gpt-4o-audio-preview) count audio inside prompt and completion
    // tokens, and bill it at their audio rates (usage/cost.ts).
    const audioIn = Math.min(count(field(u.prompt_tokens_details, 'audio_tokens')), usage.input);
    const audioOut = Math.min(count(field(u.completion_tokens_details, 'audio_tokens')), usage.output);
    if (audioIn > 0) usage.audioInput = audioIn;
    if (audioOut > 0) usage.audioOutput = audioOut;
    return usage;
  }
  if (sent(u.input_tokens) || sent(u.output_tokens)) {
    if (!validCounts(u.input_tokens, u.output_tokens)) return null;
    return makeUsage(
      count(u.input_tokens),
      count(field(u.input_tokens_details, 'cached_tokens')),
      count(u.output_tokens),
      count(field(u.output_tokens_details, 'reasoning_tokens')),
    );
  }
  return null;
}
