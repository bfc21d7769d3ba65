import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { developerToSystem } from '../openai-compatible/message-quirks';
import { PROVIDER_CATALOG } from '../provider-catalog';

/**
 * xAI: its `completion_tokens` EXCLUDES reasoning tokens; normalizeGrokUsage (src/usage) adds them
 * back, and the base rewrites the usage clients see to OpenAI's convention from that.
 */
export const grokAdapter = createOpenAICompatibleAdapter({
  id: 'grok',
  defaultBaseUrl: PROVIDER_CATALOG.grok.defaultBaseUrl,
  transformRequestBody: (body) => (developerToSystem(body), body),
});
