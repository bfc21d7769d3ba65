import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { developerToSystem } from '../openai-compatible/message-quirks';

/**
 * xAI: its `completion_tokens` EXCLUDES reasoning tokens; normalizeGrokUsage (src/usage) adds them
 * back, and the base rewrites the usage clients see to OpenAI's convention from that.
 */
export const grokAdapter = createOpenAICompatibleAdapter({
  id: 'grok',
  defaultBaseUrl: 'https://api.x.ai/v1',
  transformRequestBody: (body) => (developerToSystem(body), body),
});
