/** OpenAI's error envelope: every error the gateway returns has this shape. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error with an HTTP status that maps straight onto OpenAI's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Extra response headers, e.g. retry-after. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = 'invalid_request') =>
  new ApiError(400, message, 'invalid_request_error', code, param);
export const unauthorized = (message = 'Missing or invalid API key.') =>
  new ApiError(401, message, 'authentication_error', 'invalid_api_key');
export const forbidden = (message = 'Your role does not allow this action.') =>
  new ApiError(403, message, 'permission_error', 'forbidden');
export const notFound = (message: string, code: string = 'not_found', param: string | null = null) =>
  new ApiError(404, message, 'invalid_request_error', code, param);
export const modelNotFound = (model: string) =>
  new ApiError(404, `The model '${model}' does not exist or is not enabled.`, 'invalid_request_error', 'model_not_found', 'model');

/**
 * A failed upstream call. `isRetryable` (408/409/429/5xx, connect errors, timeouts) drives
 * fallback and the circuit breaker; client-caused 4xx are not retryable.
 */
export class UpstreamError extends ApiError {
  constructor(
    readonly provider: string,
    readonly upstreamStatus: number | null,
    message: string,
    readonly isRetryable: boolean,
    status = upstreamStatus && upstreamStatus >= 400 && upstreamStatus < 500 ? upstreamStatus : 502,
    code: string = 'upstream_error',
    headers: Record<string, string> = {},
  ) {
    super(status, message, status >= 500 ? 'api_error' : 'invalid_request_error', code, null, headers);
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Turns anything thrown into a status and OpenAI-shaped body, never leaking a stack trace. */
export function toErrorResponse(err: unknown): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  if (err instanceof ApiError) return { status: err.status, body: err.toBody(), headers: err.headers };
  return {
    status: 500,
    body: { error: { message: 'Internal gateway error.', type: 'api_error', param: null, code: 'internal_error' } },
    headers: {},
  };
}
