import type { ProviderId } from '../providers/types';
import type { Usage } from './types';
import { normalizeOpenAIUsage } from './openai-usage';
import { normalizeDeepSeekUsage } from './deepseek-usage';
import { normalizeMoonshotUsage } from './moonshot-usage';
import { normalizeGrokUsage } from './grok-usage';
import { normalizeOllamaUsage } from './ollama-usage';
import { normalizeGeminiUsage } from './gemini-usage';
import { normalizeAnthropicUsage } from './anthropic-usage';

/** The mock provider speaks OpenAI's wire format, usage included. */
export const normalizeMockUsage = normalizeOpenAIUsage;

const normalizers: Record<ProviderId, (raw: unknown) => Usage | null> = {
  openai: normalizeOpenAIUsage,
  // Pass the LAST `usageMetadata` of a stream: Gemini's counts are running totals.
  gemini: normalizeGeminiUsage,
  deepseek: normalizeDeepSeekUsage,
  moonshot: normalizeMoonshotUsage,
  grok: normalizeGrokUsage,
  ollama: normalizeOllamaUsage,
  mock: normalizeMockUsage,
  // message_start and message_delta usage merged: see normalizeAnthropicUsage.
  anthropic: normalizeAnthropicUsage,
};

/**
 * Turns one provider's raw usage object (Gemini: `usageMetadata`; Ollama native: the whole body)
 * into canonical Usage, or null when the upstream reported none.
 */
export function normalizeUsage(provider: ProviderId, rawUsage: unknown): Usage | null {
  return normalizers[provider](rawUsage);
}
