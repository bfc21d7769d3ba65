import type { ChatCompletion } from 'openai/resources/chat/completions';
import { UpstreamError } from '../../errors/api-error';
import { toOpenAIUsage, type Usage } from '../../usage/types';
import { usageFromResponse } from '../../usage/response-usage';
import { errorChunkStatus, errorWords } from '../shared/error-in-answer';
import { CHAT_ID_PREFIX } from '../openai-compatible/openai-shape';

/** A Responses answer's id as a chat completion's (`resp_…` -> `chatcmpl-resp_…`): still OpenAI's, and findable in its logs. */
export const chatIdOf = (responseId: unknown) => CHAT_ID_PREFIX + (typeof responseId === 'string' ? responseId : crypto.randomUUID().replace(/-/g, ''));

/**
 * The chat finish reason of a Responses answer that ended: `length` when it stopped at
 * max_output_tokens, `content_filter` when filtered, else `tool_calls` when it made calls, `stop`. Pure.
 */
export function finishReasonOf(response: any, madeCalls: boolean): ChatCompletion.Choice['finish_reason'] {
  if (response?.status === 'incomplete') return response?.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  return madeCalls ? 'tool_calls' : 'stop';
}

/**
 * A Responses answer that did not end (`failed`, `cancelled`, or still `queued`/`in_progress`): a
 * failure, retryable as a broken answer is, in OpenAI's words; null for one that ended.
 */
export function unfinishedResponse(response: any): UpstreamError | null {
  const status = response?.status;
  if (status === 'completed' || status === 'incomplete') return null;
  const error = response?.error;
  const words = errorWords(error, `the response is ${typeof status === 'string' ? status : 'without a status'}`);
  const code = error ? errorChunkStatus({ error }) : null;
  return new UpstreamError('openai', code, `Upstream OpenAI's response failed: ${words}`, true, code === 401 || code === 403 ? 502 : undefined, code === 429 ? 'rate_limit_exceeded' : undefined);
}

/**
 * A finished Responses answer -> the chat completion it stands for: its message text (and
 * refusal), its function_call (custom_tool_call) items as tool_calls, the finish reason from its
 * status, its usage in chat's names. Pure; throws for an answer that did not end (unfinishedResponse).
 */
export function responseToChat(response: any, model: string): { completion: ChatCompletion; usage: Usage | null } {
  const failed = unfinishedResponse(response);
  if (failed) throw failed;
  let text = '';
  let refusal = '';
  const toolCalls: any[] = [];
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (item?.type === 'message') {
      for (const part of Array.isArray(item.content) ? item.content : []) {
        if (part?.type === 'output_text' && typeof part.text === 'string') text += part.text;
        if (part?.type === 'refusal' && typeof part.refusal === 'string') refusal += part.refusal;
      }
    } else if (item?.type === 'function_call') {
      toolCalls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments || '{}' } });
    } else if (item?.type === 'custom_tool_call') {
      toolCalls.push({ id: item.call_id, type: 'custom', custom: { name: item.name, input: item.input ?? '' } });
    }
  }
  const usage = usageFromResponse(response);
  const message: any = { role: 'assistant', content: text || (toolCalls.length || refusal ? null : ''), refusal: refusal || null, annotations: [] };
  if (toolCalls.length) message.tool_calls = toolCalls;
  const completion: any = {
    id: chatIdOf(response.id),
    object: 'chat.completion',
    created: typeof response.created_at === 'number' ? response.created_at : Math.floor(Date.now() / 1000),
    model: typeof response.model === 'string' ? response.model : model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(response, toolCalls.length > 0) }],
    ...(usage && { usage: toOpenAIUsage(usage) }),
    ...(typeof response.service_tier === 'string' && { service_tier: response.service_tier }),
  };
  return { completion, usage };
}
