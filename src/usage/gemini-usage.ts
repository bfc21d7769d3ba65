import { toOpenAIUsage, type Usage } from './types';
import { count, validCounts } from './usage-fields';

/** The tokens of one modality in a `*TokensDetails` list (`[{modality: 'AUDIO', tokenCount}]`). */
function modalityTokens(details: unknown, modality: string): number {
  if (!Array.isArray(details)) return 0;
  let n = 0;
  for (const d of details) if (d && typeof d === 'object' && (d as Record<string, unknown>).modality === modality) n += count((d as Record<string, unknown>).tokenCount);
  return n;
}

/**
 * OpenAI's `usage` for a Gemini answer: with audio in the prompt, prompt_tokens_details.audio_tokens
 * is every audio token of it as OpenAI counts them (cached ones too; the canonical `audioInput`
 * holds only the uncached ones, which bill at the audio rate).
 */
export function geminiOpenAIUsage(usage: Usage, raw: unknown) {
  const out: ReturnType<typeof toOpenAIUsage> & { prompt_tokens_details: { audio_tokens?: number } } = toOpenAIUsage(usage);
  const audio = Math.min(modalityTokens((raw as Record<string, unknown> | null)?.promptTokensDetails, 'AUDIO'), usage.input);
  if (audio > 0) out.prompt_tokens_details.audio_tokens = audio;
  return out;
}

/**
 * Gemini `usageMetadata` -> canonical usage. Pure. Returns null when the object carries no
 * counts at all, or a count that is nonsense (negative, a string: validCounts), so the caller
 * estimates instead of billing zero.
 *
 * In a stream Gemini repeats usageMetadata on chunks as a running total, so pass the LAST one
 * seen; adding them up would bill the prompt once per chunk.
 */
export function normalizeGeminiUsage(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  if (!validCounts(u.promptTokenCount, u.candidatesTokenCount, u.thoughtsTokenCount, u.toolUsePromptTokenCount, u.totalTokenCount)) return null;

  // Tokens of tool-use prompts (e.g. grounding search results) are billed as input but are
  // not part of promptTokenCount.
  const input = count(u.promptTokenCount) + count(u.toolUsePromptTokenCount);
  // cachedContentTokenCount is a subset of promptTokenCount; the clamp guards odd reports.
  const cachedInput = Math.min(count(u.cachedContentTokenCount), input);
  // candidatesTokenCount EXCLUDES thinking: OpenAI's completion_tokens includes reasoning, so
  // output = candidates + thoughts and reasoning = thoughts.
  const reasoning = count(u.thoughtsTokenCount);
  const output = count(u.candidatesTokenCount) + reasoning;
  // Audio prompt tokens bill at the model's audio rate (gemini-2.5-flash: 1 $/M against 0.3 for
  // text). promptTokensDetails counts every prompt token by modality, cacheTokensDetails the cached
  // ones: the uncached audio is the difference, and the cached audio bills at the cached audio
  // price (0.1 $/M against 0.03 for cached text: usage/cost.ts cachedAudioPrice).
  const cachedAudio = Math.min(modalityTokens(u.cacheTokensDetails, 'AUDIO'), cachedInput);
  const audioIn = Math.min(
    Math.max(modalityTokens(u.promptTokensDetails, 'AUDIO') - modalityTokens(u.cacheTokensDetails, 'AUDIO'), 0),
    input - cachedInput,
  );
  return {
    input, cachedInput, output, reasoning,
    ...(audioIn > 0 ? { audioInput: audioIn } : {}),
    ...(cachedAudio > 0 ? { cachedAudioInput: cachedAudio } : {}),
  };
}
