import { UpstreamError } from '../errors/api-error';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';

/**
 * The provider's own report that the response failed, in the stream relayed to the client (OpenAI's
 * or xAI's): an `error` event ({code, message}) or `response.failed` (response.error). The row and the breaker hear it
 * as the failure it is; a server-side or rate failure counts against the breaker (row 502), one
 * of the request's own (an invalid prompt) does not (row 400).
 */
export function streamedFailure(err: { code?: unknown; message?: unknown } | null | undefined, provider: ProviderId = 'openai'): UpstreamError {
  const code = typeof err?.code === 'string' && err.code ? err.code : 'upstream_error';
  const message = typeof err?.message === 'string' && err.message ? err.message : 'no details';
  const retryable = code === 'upstream_error' || /server_error|rate_limit|overloaded|timeout|unavailable/.test(code);
  // The row's status: 502 for the provider's own failure, 400 for one of the request's (as its HTTP answer would have been).
  return new UpstreamError(provider, null, `${providerLabel(provider)} stream failed: ${message}`, retryable, retryable ? 502 : 400, code);
}

/**
 * The failure an error event's data reports: OpenAI's (`{type: "error", code, message}`, or the
 * same under `error`) or xAI's (`{code, error: "<its words>"}`, whose `error` is a string).
 */
export function eventFailure(data: any, provider: ProviderId): UpstreamError {
  if (typeof data?.error === 'string') return streamedFailure({ code: data.code, message: data.error }, provider);
  return streamedFailure(data?.error ?? data, provider);
}
