import type { BillExtras, Usage } from '../usage/types';
import { ID_CHARS, shownValue } from './shown-value';

/** OpenAI's error envelope: every error the gateway returns has this shape. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** What an ApiError carries: OpenAI's error fields, the HTTP status and extra response headers. */
export interface ApiErrorOptions {
  status: number;
  message: string;
  /** OpenAI's error type; `invalid_request_error` when left out. */
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Extra response headers, e.g. retry-after. */
  headers?: Record<string, string>;
}

/** What a failed try's answer had produced before it broke: the usage it reported, else the text (estimated with the prompt). */
export interface SpentAnswer {
  usage: Usage | null;
  /** `usage`'s output count is a placeholder (StreamTally.outputPending). */
  outputPending?: boolean;
  text: string;
  /** What it bills beside its tokens (StreamTally.billExtras), kept when its usage is estimated. */
  billExtras?: BillExtras;
  /** Characters produced in all, when `text` is a sample. */
  chars?: number;
  /** Images the answer held, in units of the model's per-image price (an image call cut while its body was read). */
  imageUnits?: number;
}

/** An error with an HTTP status that maps straight onto OpenAI's error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  /** Extra response headers, e.g. retry-after. */
  readonly headers: Record<string, string>;
  /**
   * Set on a try that failed after the provider's answer had begun: what the gateway saw of it,
   * which the provider bills all the same (proxy/walk-targets.ts collects it as the walk's `spent`).
   */
  spent?: SpentAnswer;

  constructor(o: ApiErrorOptions) {
    super(o.message);
    this.status = o.status;
    this.type = o.type ?? 'invalid_request_error';
    this.code = o.code ?? null;
    this.param = o.param ?? null;
    this.headers = o.headers ?? {};
  }

  /** Anything thrown, as an ApiError: itself, or a 500 that says nothing of its cause (no stack trace leaks). */
  static from(err: unknown): ApiError {
    return err instanceof ApiError ? err : new ApiError({ status: 500, message: 'Internal gateway error.', type: 'api_error', code: 'internal_error' });
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = 'invalid_request') =>
  new ApiError({ status: 400, message, type: 'invalid_request_error', code, param });
export const unauthorized = (message = 'Missing or invalid API key.') =>
  new ApiError({ status: 401, message, type: 'authentication_error', code: 'invalid_api_key' });
export const forbidden = (message = 'Your role does not allow this action.') =>
  new ApiError({ status: 403, message, type: 'permission_error', code: 'forbidden' });
export const notFound = (message: string, code: string = 'not_found', param: string | null = null) =>
  new ApiError({ status: 404, message, type: 'invalid_request_error', code, param });
/**
 * `why`: what keeps a known model off (its provider's state), for the message; else the generic words.
 * `twin`: the known name it matches but for letter case (routing/case-twin.ts), suggested.
 */
export const modelNotFound = (model: string, why?: string, twin?: string) =>
  new ApiError({
    status: 404,
    message: why
      ? `The model '${shownValue(model, ID_CHARS)}' is not enabled: ${why}.`
      : `The model '${shownValue(model, ID_CHARS)}' does not exist or is not enabled.${twin ? ` Model and group names are case-sensitive: did you mean '${twin}'?` : ''}`,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: 'model',
  });

/**
 * A failed upstream call. `isRetryable` (408/409/429/5xx, connect errors, timeouts) drives
 * fallback and the circuit breaker; client-caused 4xx are not retryable.
 */
/** Anthropic's error object, `error` of `{"type":"error","error":{type, message, details?: {error_code, …}}}`. */
export interface AnthropicErrorObject {
  type: string;
  message: string;
  details?: { error_code: string; [more: string]: unknown };
}

export class UpstreamError extends ApiError {
  /** The provider's own code or type for the failure (`permission_error`, `model_not_found`), when it sent one. */
  upstreamCode?: string;
  /** Anthropic's own error object (its words redacted of keys), which a client speaking Anthropic may be given as it is. */
  anthropicError?: AnthropicErrorObject;

  constructor(
    readonly provider: string,
    readonly upstreamStatus: number | null,
    message: string,
    readonly isRetryable: boolean,
    status = upstreamStatus && upstreamStatus >= 400 && upstreamStatus < 500 ? upstreamStatus : 502,
    code: string = 'upstream_error',
    headers: Record<string, string> = {},
    /** The request field the upstream's error names (OpenAI's `param`: `stop`, `temperature`). */
    param: string | null = null,
  ) {
    super({ status, message, type: upstreamErrorType(status, code), code, headers, param });
  }
}

/**
 * OpenAI's `type` for a relayed upstream failure: a 429 is `requests` as OpenAI's own rate-limit
 * errors are, an account out of quota (a 429 or a 402) `insufficient_quota`, other 4xx `invalid_request_error`.
 */
function upstreamErrorType(status: number, code: string): string {
  if (status >= 500) return 'api_error';
  if (code === 'insufficient_quota') return 'insufficient_quota';
  if (status === 429) return 'requests';
  return 'invalid_request_error';
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Turns anything thrown into a status and OpenAI-shaped body, never leaking a stack trace. */
export function toErrorResponse(err: unknown): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  const e = ApiError.from(err);
  return { status: e.status, body: e.toBody(), headers: e.headers };
}

/**
 * The status an Anthropic-dialect client gets for an ApiError; the log row records it. An
 * upstream's 529, and its 503 (OpenAI's, DeepSeek's and Gemini's word for overloaded: "The model
 * is overloaded", UNAVAILABLE), is Anthropic's 529 `overloaded_error` rather than the gateway's
 * generic 502, in a stream's `event: error` too, where a client has only the type to go by
 * (Anthropic's streaming docs: an `overloaded_error` event "would normally correspond to an HTTP
 * 529 in a non-streaming context").
 */
export function anthropicStatus(err: ApiError): number {
  return err instanceof UpstreamError && (err.upstreamStatus === 529 || err.upstreamStatus === 503) ? 529 : err.status;
}
