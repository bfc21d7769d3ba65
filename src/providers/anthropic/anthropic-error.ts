import { UpstreamError } from '../../errors/api-error';
import { upstreamFailure } from '../upstream-failure';

/** HTTP status Anthropic uses for each error type (what an error event in a stream stands for). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** A stream's error events carry no headers of their own: nothing to pass on (retry-after, x-should-retry). */
const NO_HEADERS = new Headers();

/**
 * An `error` event inside an Anthropic stream (`{"type":"error","error":{"type","message","details"?}}`,
 * `data` as it came) -> the UpstreamError the proxy ends the client's stream with: the error the
 * same body sent with the status its type stands for (529 for overloaded_error) would be
 * (upstream-failure.ts): the same code (Anthropic's `details.error_code`, rate_limit_exceeded,
 * an account out of credit...), the same retryability (a group's next target before the first
 * byte reached the client; the circuit breaker counts it), and Anthropic's own error object, which
 * a /v1/messages client is given as Anthropic wrote it. Keys it quotes are redacted.
 */
export function streamError(data: string, apiKey?: string): UpstreamError {
  let body: unknown = null;
  try {
    body = JSON.parse(data);
  } catch {}
  const err = (body as { error?: { type?: unknown } } | null)?.error;
  const type = typeof err?.type === 'string' ? err.type : 'api_error';
  const status = STATUS_OF_TYPE[type] ?? 500;
  return upstreamFailure(
    'anthropic',
    { status, text: data, headers: NO_HEADERS, message: (detail) => `Anthropic (anthropic) stream failed: ${detail} (${type})` },
    apiKey,
  );
}
