import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import {
  completionTokensToMaxTokens,
  developerToSystem,
  hasSystemMessage,
} from '../openai-compatible/message-quirks';
import type { UpstreamBody } from '../openai-compatible/openai-compatible-options';

export const DEEPSEEK_DEFAULT_SYSTEM = 'Always respond in English.';

/**
 * DeepSeek quirks on the way up:
 * - without a system prompt its models drift into Chinese, so one is injected (a client's own
 *   system prompt is left alone);
 * - in thinking mode an assistant turn that made tool calls must carry its `reasoning_content`
 *   back; the body is forwarded as is, so the field the client echoes stays in the history;
 * - only `max_tokens` is read.
 */
export function deepseekRequest(body: UpstreamBody): UpstreamBody {
  developerToSystem(body);
  completionTokensToMaxTokens(body);
  if (Array.isArray(body.messages) && !hasSystemMessage(body)) {
    body.messages = [{ role: 'system', content: DEEPSEEK_DEFAULT_SYSTEM }, ...body.messages];
  }
  return body;
}

/** Usage: prompt_tokens includes prompt_cache_hit_tokens (see src/usage/deepseek-usage.ts). */
export const deepseekAdapter = createOpenAICompatibleAdapter({
  id: 'deepseek',
  defaultBaseUrl: 'https://api.deepseek.com',
  transformRequestBody: deepseekRequest,
});
