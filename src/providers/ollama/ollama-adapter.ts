import { PROVIDER_CATALOG } from '../provider-catalog';
import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import {
  completionTokensToMaxTokens,
  developerToSystem,
  inlineRemoteImages,
} from '../openai-compatible/message-quirks';

/** Ollama names the thinking text `reasoning`; clients of the gateway get `reasoning_content`. */
function renameReasoning(holder: any): boolean {
  if (!holder || holder.reasoning === undefined) return false;
  if (holder.reasoning_content === undefined) holder.reasoning_content = holder.reasoning;
  delete holder.reasoning;
  return true;
}

export function ollamaChunk(chunk: any): boolean {
  let changed = false;
  for (const choice of chunk?.choices ?? []) changed = renameReasoning(choice?.delta) || changed;
  return changed;
}

export function ollamaResponse(body: any): void {
  for (const choice of body?.choices ?? []) renameReasoning(choice?.message);
}

/**
 * Ollama's OpenAI endpoint reads only `max_tokens` and cannot fetch remote image URLs (it
 * wants base64), so those are downloaded by the gateway and inlined.
 */
export const ollamaAdapter = createOpenAICompatibleAdapter({
  id: 'ollama',
  defaultBaseUrl: PROVIDER_CATALOG.ollama.defaultBaseUrl,
  async transformRequestBody(body, { deps }) {
    developerToSystem(body);
    completionTokensToMaxTokens(body);
    await inlineRemoteImages(body, deps);
    return body;
  },
  transformChunk: ollamaChunk,
  transformResponse: ollamaResponse,
});
