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
