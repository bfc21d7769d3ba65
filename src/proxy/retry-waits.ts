import type { ApiError, UpstreamError } from '../errors/api-error';
import { namedRetryMs } from '../key-pool/retry-after';

/**
 * The soonest moment one of a walk's failed targets may be tried again, in ms from now (Infinity:
 * none known). `named`: waits a provider named (its `retry-after-ms` or `retry-after`, Google's
 * `retryDelay`); `own`: the gateway's own (a key pool's rest after a 429 that named none, an open
 * circuit's time to its probe), which count only when no provider named one: a guess, such as
 * the pool's default 60 s, must not hold the client past a target that asked for 30 ms.
 */
export interface RetryWaits {
  named: number;
  own: number;
}

/** The wait to tell: the soonest a provider named, else the gateway's own (Infinity: none known). */
export const soonestMs = (w: RetryWaits): number => (Number.isFinite(w.named) ? w.named : w.own);

/**
 * The wait a retryable upstream failure named, or null: none given, or the provider marked it
 * final (`x-should-retry: false`: it is never tried again for this request, whatever it said).
 */
export function namedWaitMs(e: UpstreamError, now: number): number | null {
  if (!e.isRetryable || e.headers['x-should-retry'] === 'false') return null;
  return namedRetryMs(e.headers, now);
}

/**
 * Puts the walk's soonest wait on the error that ends it, in place of that error's own: the client
 * (whose SDK retries the whole request, every target again) is told when the first of them may
 * answer, not when the last one tried will. `retry-after-ms` beside `retry-after` (whole seconds,
 * rounded up), as the SDKs read the exact one first. An error its provider marked final is left
 * as it is (the SDK does not retry it anyway), and so is one when no wait is known at all (the
 * SDK's own backoff: a 5xx that named none may answer at once).
 */
export function applySoonestWait(e: ApiError, w: RetryWaits): void {
  if (e.headers['x-should-retry'] === 'false') return;
  const ms = soonestMs(w);
  if (!Number.isFinite(ms)) return;
  e.headers['retry-after'] = String(Math.max(1, Math.ceil(ms / 1000)));
  e.headers['retry-after-ms'] = String(Math.max(1, Math.ceil(ms)));
}
