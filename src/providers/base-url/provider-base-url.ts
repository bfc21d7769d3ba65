import { anthropicBaseUrl } from '../anthropic/anthropic-base-url';
import { geminiBaseUrl } from '../gemini/gemini-base-url';
import { openAiCompatibleBaseUrl } from '../openai-compatible/openai-compatible-base-url';
import type { ProviderId } from '../types';
import { withoutTrailingSlashes, type NormalisedBaseUrl } from './normalised-base-url';

export type { NormalisedBaseUrl } from './normalised-base-url';

/**
 * The base URL calls of provider `id` use, from one as set (the environment, a stored value, the
 * admin API, the Providers page: all of them come here), by the provider's kind: Gemini's native
 * API, Anthropic's Messages API, or an OpenAI-compatible one. A URL whose meaning is clear but
 * would 404 on every call (a path the gateway appends itself, a provider's own host without its
 * version) is taken as meant rather than refused; `change` says what was done, for the start's
 * warning (startup/stored-provider-warnings.ts) and the admin API's and Providers page's answers.
 */
export function providerBaseUrl(id: ProviderId, url: string): NormalisedBaseUrl {
  switch (id) {
    case 'gemini':
      return geminiBaseUrl(url);
    case 'anthropic':
      return anthropicBaseUrl(url);
    case 'openai':
    case 'deepseek':
    case 'moonshot':
    case 'grok':
    case 'ollama':
      return openAiCompatibleBaseUrl(id, url);
    case 'mock':
      return { url: withoutTrailingSlashes(url), change: null };
  }
}

/** The one sentence that says a base URL was changed (start warning, admin API, Providers page). */
export function baseUrlChangeText(id: ProviderId, given: string, n: NormalisedBaseUrl, which = 'base URL'): string {
  return `the ${which} of provider ${id} (${given}) ${n.change}; using ${n.url}`;
}
