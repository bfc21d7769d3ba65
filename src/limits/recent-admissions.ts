import type { ScopeLimits } from './limit-types';

/** The RPM and TPM windows' length (WINDOW in redis-limit-scripts.ts). */
const WINDOW_MS = 60_000;
/** Kept at most (the oldest go first): a minute of a busy instance's rate-limited requests. */
const MAX_KEPT = 200_000;

/** A request this instance admitted under an RPM or TPM limit and settled within the last minute. */
export interface RecentAdmission {
  id: string;
  scopes: readonly ScopeLimits[];
  /** Its admission (its entry in the RPM windows). */
  at: number;
  /** What it used, and when that entered the TPM windows (its admission; a charge's time after an outage). */
  tokens: number;
  tokensAt: number;
}

const rateLimited = (scopes: readonly ScopeLimits[]) => scopes.some((s) => s.rpm !== null || s.tpm !== null);

/**
 * The requests of the last minute this instance admitted under a rate limit and settled, in the
 * order they settled: what the RPM and TPM windows of a Redis that lost its data (restarted
 * empty) must hold again, so the key is not served its limit a second time within the minute.
 * Requests still running are put back from their reservations (RESTORE); these are the ones that
 * ended. Pruned as it grows; nothing is kept for keys without RPM or TPM.
 */
export class RecentAdmissions {
  private items: RecentAdmission[] = [];
  private head = 0;

  add(id: string, scopes: readonly ScopeLimits[], at: number, tokens: number, tokensAt: number, now: number): void {
    if (!rateLimited(scopes)) return;
    this.prune(now);
    if (this.items.length - this.head >= MAX_KEPT) this.head++;
    this.items.push({ id, scopes, at, tokens, tokensAt });
  }

  /** Those whose admission or tokens are still inside the window at `now`. */
  within(now: number): RecentAdmission[] {
    this.prune(now);
    const edge = now - WINDOW_MS;
    return this.items.slice(this.head).filter((e) => e.at > edge || e.tokensAt > edge);
  }

  private prune(now: number): void {
    const edge = now - WINDOW_MS;
    // Settled in order, so an entry admitted long ago may sit behind newer ones: pruned by both times.
    while (this.head < this.items.length) {
      const e = this.items[this.head]!;
      if (e.at > edge || e.tokensAt > edge) break;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
