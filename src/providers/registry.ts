import { ApiError } from '../errors/api-error';
import { deepseekAdapter } from './deepseek/deepseek-adapter';
import { grokAdapter } from './grok/grok-adapter';
import { mockAdapter } from './mock/mock-adapter';
import { moonshotAdapter } from './moonshot/moonshot-adapter';
import { ollamaAdapter } from './ollama/ollama-adapter';
import { openaiAdapter } from './openai/openai-adapter';
import type { ProviderAdapter, ProviderId } from './types';

// TEMPORARY until src/providers/gemini exports geminiAdapter (Gemini engineer): answers 501.
const notYet = (): never => {
  throw new ApiError(501, 'The gemini provider is not available in this build yet.', 'api_error', 'provider_unavailable');
};
const geminiAdapter: ProviderAdapter = {
  id: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  buildChatCall: async () => notYet(),
  parseChatResponse: notYet,
  chatStream: notYet,
};

/** Every provider the gateway speaks to, by id. */
export const providerRegistry = {
  openai: openaiAdapter,
  gemini: geminiAdapter,
  deepseek: deepseekAdapter,
  moonshot: moonshotAdapter,
  grok: grokAdapter,
  ollama: ollamaAdapter,
  mock: mockAdapter,
} satisfies Record<ProviderId, ProviderAdapter>;

export function adapterFor(id: ProviderId): ProviderAdapter {
  return providerRegistry[id];
}
