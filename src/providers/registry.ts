import { anthropicAdapter } from './anthropic';
import { deepseekAdapter } from './deepseek/deepseek-adapter';
import { geminiAdapter } from './gemini';
import { grokAdapter } from './grok/grok-adapter';
import { mockAdapter } from './mock/mock-adapter';
import { moonshotAdapter } from './moonshot/moonshot-adapter';
import { ollamaAdapter } from './ollama/ollama-adapter';
import { openaiAdapter } from './openai/openai-adapter';
import type { ProviderAdapter, ProviderId } from './types';

/** Every provider the gateway speaks to, by id. */
export const providerRegistry = {
  openai: openaiAdapter,
  gemini: geminiAdapter,
  deepseek: deepseekAdapter,
  moonshot: moonshotAdapter,
  grok: grokAdapter,
  ollama: ollamaAdapter,
  mock: mockAdapter,
  anthropic: anthropicAdapter,
} satisfies Record<ProviderId, ProviderAdapter>;

export function adapterFor(id: ProviderId): ProviderAdapter {
  return providerRegistry[id];
}
