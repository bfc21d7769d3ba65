import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { completionTokensToMaxTokens, developerToSystem } from '../openai-compatible/message-quirks';
import type { UpstreamBody } from '../openai-compatible/openai-compatible-options';
import { PROVIDER_CATALOG } from '../provider-catalog';

/** Moonshot (Kimi) accepts temperature only in [0, 1] (OpenAI allows up to 2): clamp, don't fail. */
export function moonshotRequest(body: UpstreamBody): UpstreamBody {
  developerToSystem(body);
  completionTokensToMaxTokens(body);
  if (typeof body.temperature === 'number') body.temperature = Math.min(1, Math.max(0, body.temperature));
  return body;
}

/**
 * Moonshot may send stream usage inside `choices[0].usage` of the last chunk instead of a
 * top-level `usage`; it is lifted to where OpenAI puts it.
 */
export function liftChoiceUsage(chunk: any): boolean {
  const choice = chunk?.choices?.[0];
  if (!choice?.usage) return false;
  chunk.usage ??= choice.usage;
  delete choice.usage;
  return true;
}

export const moonshotAdapter = createOpenAICompatibleAdapter({
  id: 'moonshot',
  defaultBaseUrl: PROVIDER_CATALOG.moonshot.defaultBaseUrl,
  transformRequestBody: moonshotRequest,
  transformChunk: liftChoiceUsage,
  transformResponse: liftChoiceUsage,
});
