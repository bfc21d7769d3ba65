import { OPENAI_WEB_SEARCH_PREVIEW_USD } from '../usage/openai-tool-prices';
import type { ProviderId } from './types';

/** Static facts about each provider: display name, default upstream, whether it needs a key. */
export const PROVIDER_CATALOG = {
  // The Responses API's web search tool bills per call beside the tokens: $10 per 1,000, or $25 for
  // web_search_preview on a model without reasoning (OpenAI's pricing page). The dearer one is what
  // a request reserves; a row bills what its answer shows (responses/openai-tool-fees.ts).
  openai: { name: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1', needsKey: true, webSearchUsd: OPENAI_WEB_SEARCH_PREVIEW_USD },
  gemini: { name: 'Google Gemini', defaultBaseUrl: 'https://generativelanguage.googleapis.com', needsKey: true },
  deepseek: { name: 'DeepSeek', defaultBaseUrl: 'https://api.deepseek.com/v1', needsKey: true },
  moonshot: { name: 'Moonshot (Kimi)', defaultBaseUrl: 'https://api.moonshot.ai/v1', needsKey: true },
  grok: { name: 'xAI Grok', defaultBaseUrl: 'https://api.x.ai/v1', needsKey: true },
  ollama: { name: 'Ollama', defaultBaseUrl: 'http://localhost:11434/v1', needsKey: false },
  // Answers locally; off unless LLM_PROXY__PROVIDERS__MOCK__ENABLED=true.
  mock: { name: 'Mock (local echo)', defaultBaseUrl: 'mock://local', needsKey: false },
  // The host root: the gateway appends /v1/messages.
  // Web search, a server tool, is billed per search beside the tokens: $10 per 1,000 (Anthropic's pricing page).
  anthropic: { name: 'Anthropic', defaultBaseUrl: 'https://api.anthropic.com', needsKey: true, webSearchUsd: 0.01 },
} as const satisfies Record<ProviderId, { name: string; defaultBaseUrl: string; needsKey: boolean; webSearchUsd?: number }>;
