import { UpstreamError } from '../../errors/api-error';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * Gemini finishReason -> OpenAI finish_reason. Gemini says STOP even when the turn ended in
 * function calls, so a candidate with calls reports `tool_calls` as OpenAI clients expect.
 * The reasons of a failed turn are not finish reasons at all: see failedTurn.
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
 * Finish reasons of a turn that failed, sent with HTTP 200 and no (or no usable) content, so as a
 * `stop` the client would take an empty or cut answer for the model's last word:
 * - the model tried to call a tool and the call could not be read (MALFORMED_FUNCTION_CALL: broken
 *   arguments, often a long string; UNEXPECTED_TOOL_CALL: a call where none was allowed), or its
 *   answer could not be (MALFORMED_RESPONSE). Gemini gets it right on a retry more often than not:
 *   the request fails, retryable (a group falls back);
 * - MISSING_THOUGHT_SIGNATURE ("at least one thought signature from a previous call is missing"):
 *   the history's function call lost the signature Gemini 3 validates, the same fault as its 400
 *   "Function call is missing a thought_signature", and a 400 as that one is (not retried: the
 *   same history fails again).
 */
const RETRYABLE_FAILURES = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'MALFORMED_RESPONSE']);

/** The UpstreamError a failed turn is (see above), or null when `reason` is not one. */
export function failedTurn(reason: unknown, finishMessage?: unknown): UpstreamError | null {
  if (typeof reason !== 'string') return null;
  const detail = typeof finishMessage === 'string' && finishMessage ? ` (${finishMessage.slice(0, 300)})` : '';
  if (reason === 'MISSING_THOUGHT_SIGNATURE') {
    return new UpstreamError(
      'gemini',
      400,
      `Gemini: a function call in the conversation is missing its thought signature: finishReason ${reason}${detail}. Send each assistant tool call back with the id the gateway gave it.`,
      false,
    );
  }
  if (!RETRYABLE_FAILURES.has(reason)) return null;
  const what = reason === 'MALFORMED_RESPONSE' ? "the model's answer could not be read" : "the model's tool call could not be used";
  return new UpstreamError('gemini', null, `Gemini: ${what}: finishReason ${reason}${detail}. Retrying the request usually works.`, true);
}
