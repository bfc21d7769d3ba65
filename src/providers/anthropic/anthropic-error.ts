import { UpstreamError, isRetryableStatus } from '../../errors/api-error';

/** HTTP status Anthropic uses for each error type (what an error event in a stream stands for). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/**
 * An `error` event inside an Anthropic stream (`{"type":"error","error":{"type","message"}}`) ->
 * the UpstreamError the proxy ends the client's stream with. Overloaded, rate-limited and
 * internal errors are retryable, so they count against the circuit breaker (and, before the
 * first byte reached the client, move the request to the next target).
 */
export function streamError(body: unknown): UpstreamError {
  const err = (body as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  const type = typeof err?.type === 'string' ? err.type : 'api_error';
  const message = typeof err?.message === 'string' && err.message ? err.message : 'the stream reported an error.';
  const status = STATUS_OF_TYPE[type] ?? 500;
  return new UpstreamError('anthropic', status, `Anthropic (anthropic) stream failed: ${message} (${type})`, isRetryableStatus(status), status >= 500 ? 502 : status, type);
}
