import { type ApiError, UpstreamError } from '../errors/api-error';
import { PROVIDER_CATALOG } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';

/**
 * An upstream answered 3xx. The gateway never follows it: fetch would re-send the prompt (and
 * every header but Authorization, e.g. `x-goog-api-key`) to wherever the Location points. The
 * client gets a 502 without the target; the log row names it (logMessage).
 */
export class UpstreamRedirectError extends UpstreamError {
  readonly logMessage: string;

  constructor(provider: ProviderId, status: number, location: string) {
    const name = `${PROVIDER_CATALOG[provider].name} (${provider})`;
    // Retryable like an unreachable upstream: fallback may try another target, breakers count it.
    super(provider, status, `Upstream ${name} answered with a redirect (HTTP ${status}); the gateway does not follow upstream redirects.`, true, 502, 'upstream_redirect');
    this.logMessage = `${this.message} Location: ${location}`;
  }
}

/**
 * What a log row keeps as the error text: errors may carry a `logMessage` with details for
 * operators only (a redirect target, why an image URL was refused).
 */
export const logMessageOf = (err: ApiError): string => {
  const detail = (err as { logMessage?: unknown }).logMessage;
  return typeof detail === 'string' ? detail : err.message;
};
