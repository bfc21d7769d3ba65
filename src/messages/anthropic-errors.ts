import { anthropicStatus, ApiError, badRequest, UpstreamError, type AnthropicErrorObject } from '../errors/api-error';
import { anthropicOverflowMessage, parseContextOverflow } from '../errors/context-overflow';

export { anthropicStatus };

/**
 * Anthropic's error envelope: `{"type":"error","error":{"type","message","details"}}`. `details.error_code`
 * is where Anthropic names an error's cause (its SDK's `err.errorCode`, also for an `event: error`
 * mid-stream): the gateway puts its own `code` there (`budget_exceeded`, `model_not_allowed`, …).
 */
export interface AnthropicErrorBody {
  type: 'error';
  error: AnthropicError;
}

/** The `error` of Anthropic's envelope, as the body and a stream's `event: error` carry it. */
export type AnthropicError = AnthropicErrorObject;

const THREAD_UNSUPPORTED = 'thread_unsupported_request';

/**
 * A message thread (`thread`: conversation state the server holds between turns, which the SDK's
 * tool runner asks for by default) cannot be held for a provider other than Anthropic. Refused the
 * way Anthropic refuses a request it cannot thread, `error.details.error_code`
 * `thread_unsupported_request`: the SDK then sends the turn again with the whole conversation and
 * no thread. Served, a `continue` would reach the provider with only the newest messages.
 */
export function threadUnsupported(provider: string): ApiError {
  return badRequest(
    `Message threads ('thread') are held only by Anthropic, not by provider '${provider}': send the whole conversation without 'thread'.`,
    'thread',
    THREAD_UNSUPPORTED,
  );
}

/** Anthropic's error type for an HTTP status (Anthropic's documented map; other 4xx/5xx by class). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    // An upstream out of credit (DeepSeek's "Insufficient Balance", Anthropic's credit balance).
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    // Anthropic's own types for these (the SDK's ErrorType): a conflicting request, and an
    // upstream's 408 (a request that timed out), which a client may retry where
    // invalid_request_error says it may not. The gateway's own 504 (no upstream headers in time)
    // stays `api_error`, the documented name scripts match for 500/502/504; SDKs and Claude
    // Code retry a 504 by its status whatever the type says.
    case 408:
      return 'timeout_error';
    case 409:
      return 'conflict_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    // Anthropic answers 529 when overloaded; an upstream or the gateway's own 503 (open circuit)
    // means the same to a client, which retries either.
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/**
 * Anything thrown -> Anthropic's status, body and headers. An upstream's own 529 or 503 (an
 * upstream overloaded) is 529 rather than the gateway's generic 502 (anthropicStatus), so
 * clients such as Claude Code back off as they would against Anthropic.
 */
export function toAnthropicError(err: unknown): { status: number; body: AnthropicErrorBody; headers: Record<string, string> } {
  const e = ApiError.from(err);
  const status = anthropicStatus(e);
  const own = anthropicOwn(e, status);
  if (own) return { status, body: { type: 'error', error: own }, headers: e.headers };
  const error: AnthropicError = { type: anthropicErrorType(status), message: overflowMessage(e, status) ?? anthropicNames(e) };
  // The gateway's code where Anthropic's SDK reads a cause (`errorCode`); an unknown one it takes as
  // the bare type. The SDK reads why a thread was refused from here too (see threadUnsupported).
  if (e.code) error.details = e.code === THREAD_UNSUPPORTED ? { error_code: THREAD_UNSUPPORTED, unsupported: ['provider'] } : { error_code: e.code };
  return { status, body: { type: 'error', error }, headers: e.headers };
}


/**
 * Anthropic's own error, as Anthropic sent it (its message, redacted of keys; its type; its
 * `details`, else the gateway's code there), for a client that speaks Anthropic: what it would
 * have read from Anthropic itself. Only where the gateway's answer means what Anthropic's did (the
 * same type for the status the client gets): a refused provider key (the gateway's, which the
 * client cannot fix) or an account out of credit (the operator's) is told in the gateway's words.
 */
function anthropicOwn(e: ApiError, status: number): AnthropicError | null {
  const own = e instanceof UpstreamError ? e.anthropicError : undefined;
  if (!own || e.code === 'upstream_auth_failed' || e.code === 'insufficient_quota' || own.type !== anthropicErrorType(status)) return null;
  return own.details ? own : e.code ? { ...own, details: { error_code: e.code } } : own;
}

/**
 * OpenAI's names for fields a Messages request spells otherwise, as a translated upstream's 400
 * (or an adapter's) names them in its `param` and quotes them in its message: OpenAI's reasoning
 * models refuse "Unsupported parameter: 'stop'", which the client sent as `stop_sequences`.
 */
const ANTHROPIC_NAMES: Record<string, string> = { stop: 'stop_sequences', max_completion_tokens: 'max_tokens' };

/** The error's message with the field it names in the client's (Anthropic's) spelling. */
function anthropicNames(e: ApiError): string {
  const name = e.param ? ANTHROPIC_NAMES[e.param] : undefined;
  if (!name) return e.message;
  return e.message.replaceAll(`'${e.param}'`, `'${name}'`).replaceAll(`\`${e.param}\``, `\`${name}\``);
}

/**
 * A translated provider's 400 for a prompt over the model's window, in Anthropic's words (see
 * context-overflow.ts); Anthropic's own already are. Null for any other error.
 */
function overflowMessage(err: ApiError, status: number): string | null {
  if (status !== 400 || !(err instanceof UpstreamError) || err.provider === 'anthropic') return null;
  const o = parseContextOverflow(err.message, err.code);
  return o && anthropicOverflowMessage(o, err.message);
}
