import { UpstreamError } from '../../errors/api-error';
import { providerLabel } from '../provider-catalog';
import type { ProviderId } from '../types';

/** The words of an upstream's `error` field: OpenAI's and Anthropic's {error: {message}}; xAI's {code, error: "..."} and Ollama's {error: "..."} carry them in `error`. */
export function errorWords(error: unknown, fallback: string): string {
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : fallback;
}

/**
 * An answer that is an error sent with 200 (some OpenAI-compatible servers and proxies answer a
 * failure so): a retryable failure (a group falls back, the breaker counts it), as the same error
 * inside a stream is, never an empty answer billed as one.
 */
export function errorInAnswer(provider: ProviderId, error: unknown): UpstreamError {
  const name = providerLabel(provider);
  return new UpstreamError(provider, null, `Upstream ${name} answered with an error: ${errorWords(error, 'no message')}`, true);
}

/**
 * A 200 answer with no choices and no `error`: no completion to give the client (an SDK reading
 * `choices[0]` throws on it), so a retryable failure as a stream that ends before its first chunk is.
 */
export function emptyAnswer(provider: ProviderId): UpstreamError {
  return new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} answered with no choices.`, true);
}

const RATE_LIMITED = /rate.?limit|too many requests/i;
const OVERLOADED = /overload|unavailable/i;

/**
 * The HTTP status an error chunk inside a 200 stream stands for, or null: a status the chunk
 * states (OpenRouter's and vLLM's numeric `code`, LiteLLM's as a string), else a rate limit or an
 * overload its code or type names (OpenAI's `rate_limit_exceeded`, Moonshot's
 * `engine_overloaded_error`, xAI's {code: "The service is currently unavailable"}) or its words
 * say ("The engine is currently overloaded"). A client is then told a rate limit or an overload
 * as it would be before the stream started (Anthropic's `rate_limit_error` / `overloaded_error`
 * event), rather than a generic upstream failure.
 */
export function errorChunkStatus(chunk: { error?: unknown; code?: unknown; type?: unknown; status?: unknown }): number | null {
  const e: Record<string, unknown> = chunk.error && typeof chunk.error === 'object' ? (chunk.error as Record<string, unknown>) : chunk;
  for (const v of [e.code, e.status]) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : NaN;
    if (n >= 400 && n < 600) return n;
  }
  const names = [e.code, e.type, e.status].filter((v): v is string => typeof v === 'string');
  if (names.some((n) => RATE_LIMITED.test(n))) return 429;
  if (names.some((n) => OVERLOADED.test(n)) || OVERLOADED.test(errorWords(chunk.error, ''))) return 503;
  return null;
}
