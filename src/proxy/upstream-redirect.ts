import { type ApiError, UpstreamError } from '../errors/api-error';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';

/**
 * An upstream answered 3xx. The gateway never follows it: fetch would re-send the prompt (and
 * every header but Authorization, e.g. `x-goog-api-key`) to wherever the Location points. The
 * client gets a 502 without the target; the log row names it (logMessage).
 */
export class UpstreamRedirectError extends UpstreamError {
  readonly logMessage: string;

  constructor(provider: ProviderId, status: number, location: string) {
    const name = providerLabel(provider);
    // Retryable like an unreachable upstream: fallback may try another target, breakers count it.
    super(provider, status, `Upstream ${name} answered with a redirect (HTTP ${status}); the gateway does not follow upstream redirects.`, true, 502, 'upstream_redirect');
    this.logMessage = `${this.message} Location: ${location}`;
  }
}

/** The most of an error's text a log row keeps (the rest is counted, not kept). */
export const MAX_LOG_ERROR_CHARS = 2000;

/**
 * What a log row keeps as the error text: errors may carry a `logMessage` with details for
 * operators only (a redirect target, why an image URL was refused). At most MAX_LOG_ERROR_CHARS:
 * a refusal may quote what the client sent (an unknown response id, item type or `include`
 * value), and the row (the request log, `GET /api/logs`, the monitor) is no place for megabytes
 * of it. Upstream texts are cut shorter already (proxy/upstream-errors.ts).
 */
export const logMessageOf = (err: ApiError): string => {
  const detail = (err as { logMessage?: unknown }).logMessage;
  const text = typeof detail === 'string' ? detail : err.message;
  if (text.length <= MAX_LOG_ERROR_CHARS) return text;
  let kept = MAX_LOG_ERROR_CHARS - 40;
  // Never half of a surrogate pair: the row's text stays valid UTF-16.
  if (/[\uD800-\uDBFF]/.test(text[kept - 1]!)) kept -= 1;
  return `${text.slice(0, kept)}… (${text.length - kept} characters cut)`;
};
