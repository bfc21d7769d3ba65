/** One entry of a TPM window: when it entered, its tokens, and whether a request in flight holds it (reserved, not yet settled). */
export interface TpmEntry {
  t: number;
  n: number;
  held: boolean;
}

const WINDOW_MS = 60_000;

/** The least wait a TPM refusal held by requests in flight asks for: about as long as a short answer takes to settle. */
export const TPM_HELD_WAIT_MS = 1_000;

/**
 * When `tokens` more can fit a TPM window of `limit` that holds `sum` tokens in `entries` (oldest
 * first, from index `from`): once enough of its oldest entries have left; or sooner, when requests
 * in flight hold the room with their reservations (`held`): those settle at their actual use,
 * often far less, whenever they end. Then the wait is the soonest the room could be back, the
 * settled tokens alone left to slide, and no less than TPM_HELD_WAIT_MS: a request admitted a
 * second ago no longer makes its key wait the window's whole minute.
 */
export function tpmWait(entries: readonly TpmEntry[], from: number, sum: number, tokens: number, limit: number, now: number): { waitMs: number; held: boolean } {
  let heldSum = 0;
  for (let i = from; i < entries.length; i++) if (entries[i]!.held) heldSum += entries[i]!.n;
  // The settled tokens alone leave it room now (-1: not before some of them leave).
  let soonest = sum - heldSum + tokens <= limit ? now : -1;
  let slide = now + WINDOW_MS;
  let freed = 0;
  let settledFreed = 0;
  for (let i = from; i < entries.length; i++) {
    const e = entries[i]!;
    freed += e.n;
    if (!e.held) settledFreed += e.n;
    if (soonest < 0 && sum - heldSum - settledFreed + tokens <= limit) soonest = e.t + WINDOW_MS;
    if (sum - freed + tokens <= limit) {
      slide = e.t + WINDOW_MS;
      break;
    }
  }
  const heldMs = soonest < 0 ? Infinity : Math.max(soonest - now, TPM_HELD_WAIT_MS);
  return heldMs < slide - now ? { waitMs: heldMs, held: true } : { waitMs: slide - now, held: false };
}
