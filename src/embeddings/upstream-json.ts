import type { AppContext } from '../context';
import { ApiError, UpstreamError } from '../errors/api-error';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { notJson } from '../proxy/upstream-errors';
import type { RequestClock } from '../proxy/request-clock';
import { MAX_UPSTREAM_BODY_BYTES } from '../providers/shared/read-capped';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId, UpstreamCall } from '../providers/types';
import type { RouteTarget } from '../routing/types';

export interface CallOptions {
  signal?: AbortSignal;
  clock: RequestClock;
  /** The pool key walkTargets chose for this try (its errors are redacted with it). */
  apiKey?: string;
}

/**
 * An embeddings answer past MAX_UPSTREAM_BODY_BYTES. Its size is the request's (inputs times
 * dimensions), so, unlike another answer that large, it is not retryable: the same request on
 * another key, a retry by the SDK (`x-should-retry: false`) or a group's next target of the same
 * kind gets as large an answer, each billed, and a provider that answered is not failing (its
 * circuit does not hear a failure). The provider computed it: the caller bills it (`spent`).
 */
export class EmbeddingsTooLarge extends UpstreamError {
  constructor(provider: ProviderId) {
    super(
      provider,
      null,
      `Upstream ${providerLabel(provider)} sent an embeddings answer larger than ${MAX_UPSTREAM_BODY_BYTES / 1024 / 1024} MiB; ` +
        `it was not read to its end. Send fewer inputs per request, or fewer dimensions.`,
      false,
      502,
      'upstream_error',
      { 'x-should-retry': 'false' },
    );
  }
}

/** Sends one embeddings call and reads the whole answer, as text and parsed JSON. */
export async function callJson(ctx: AppContext, target: RouteTarget, call: UpstreamCall, opts: CallOptions): Promise<{ text: string; json: any }> {
  const up = await openUpstream(ctx, target, call, { signal: opts.signal, clock: opts.clock, bodyTimeout: 'header', apiKey: opts.apiKey });
  const text = await readBody(up, opts.clock, () => new EmbeddingsTooLarge(target.provider));
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    throw notJson(target.provider);
  }
}

/** An answer without the vectors it should hold is the upstream's fault: 502. */
export const malformed = (provider: string, what: string) =>
  new ApiError({ status: 502, message: `Upstream ${provider} answered without ${what}.`, type: 'api_error', code: 'upstream_error' });
