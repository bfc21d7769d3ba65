import { geminiModelId } from './shared/upstream-call';
import type { ProviderId } from './types';

/** xAI image models: grok-2-image-1212 (alias grok-2-image) and its successors (grok-imagine-image...). */
export const isXaiImageModel = (model: string) => /^grok-.*image/i.test(model);

/**
 * Whether a provider's model id names an image generation model, by the families the image plans
 * serve (plan-image-call.ts): OpenAI's dall-e-* and gpt-image-*, Gemini's imagen-* and
 * gemini-*-image*, xAI's grok-*-image*. Decides the kind of a model listed in
 * LLM_PROXY__PROVIDERS__<P>__MODELS and how genai-prices prices it.
 */
export function isImageModelId(provider: ProviderId, model: string): boolean {
  if (provider === 'openai') return /^(dall-e-|gpt-image-)/i.test(model);
  if (provider === 'gemini') {
    const id = geminiModelId(model);
    return /^imagen-/i.test(id) || /^gemini-.*image/i.test(id);
  }
  if (provider === 'grok') return isXaiImageModel(model);
  return false;
}
