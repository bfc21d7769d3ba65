import { UpstreamError } from '../../errors/api-error';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * Gemini finishReason -> OpenAI finish_reason. Gemini says STOP even when the turn ended in
 * function calls, so a candidate with calls reports `tool_calls` as OpenAI clients expect.
 * The reasons of a failed tool call are not finish reasons at all: see failedToolCall.
 */
export function mapFinishReason(reason: string | undefined, hadToolCalls: boolean): OpenAIFinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    default:
      // STOP, OTHER, LANGUAGE, TOO_MANY_TOOL_CALLS (Google's own tool loop gave up), NO_IMAGE, ...: the turn is over.
      return hadToolCalls ? 'tool_calls' : 'stop';
  }
}

/**
 * Finish reasons of a turn in which the model tried to call a tool and the call could not be
 * read (MALFORMED_FUNCTION_CALL: broken arguments, often a long string; UNEXPECTED_TOOL_CALL: a
 * call where none was allowed). The candidate then holds no call and often no text, so as a
 * `stop` the client would take an empty or cut answer for the model's last word. Gemini gets
 * it right on a retry more often than not: the request fails, retryable (a group falls back).
 */
const FAILED_TOOL_CALL = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL']);

/** The UpstreamError a failed tool call is (retryable, 502), or null when `reason` is not one. */
export function failedToolCall(reason: unknown, finishMessage?: unknown): UpstreamError | null {
  if (typeof reason !== 'string' || !FAILED_TOOL_CALL.has(reason)) return null;
  const detail = typeof finishMessage === 'string' && finishMessage ? ` (${finishMessage.slice(0, 300)})` : '';
  return new UpstreamError('gemini', null, `Gemini: the model's tool call could not be used: finishReason ${reason}${detail}. Retrying the request usually works.`, true);
}
