import { UpstreamError } from '../../errors/api-error';
import { providerLabel } from '../provider-catalog';
import type { OpenAICompatibleOptions } from './openai-compatible-options';

/**
 * The first finish reason among `choices` that the provider uses for an answer it gave up on
 * (OpenAICompatibleOptions.unfinishedReasons), or null.
 */
export function unfinishedReason(opts: OpenAICompatibleOptions, choices: unknown): string | null {
  if (!opts.unfinishedReasons || !Array.isArray(choices)) return null;
  for (const c of choices) {
    const reason = c?.finish_reason;
    if (typeof reason === 'string' && opts.unfinishedReasons.includes(reason)) return reason;
  }
  return null;
}

/** The failure an unfinished answer is: retryable (fallback, circuit breaker), in OpenAI's error shape. */
export function unfinishedAnswer(opts: OpenAICompatibleOptions, reason: string): UpstreamError {
  const name = providerLabel(opts.id);
  return new UpstreamError(opts.id, null, `Upstream ${name} did not finish the answer: finish_reason '${reason}'.`, true);
}
