/** Limits for one kind of key (username or address). */
export interface ThrottleLimit {
  maxFailures: number;
  windowMs: number;
}

/** Keys are kept short whatever a caller passes: a long one is replaced by its SHA-256. */
export const MAX_KEY_CHARS = 256;
function boundedKey(key: string): string {
  if (key.length <= MAX_KEY_CHARS) return key;
  return `#${new Bun.CryptoHasher('sha256').update(key).digest('hex')}`;
}

/**
 * Failed-login counter kept in memory (a restart forgets it, which is acceptable: an attacker
 * cannot restart the gateway). Counts failures in a fixed window that starts at the first one.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly now: () => number) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string, limit: ThrottleLimit): number {
    key = boundedKey(key);
    const f = this.failures.get(key);
    if (!f) return 0;
    const end = f.since + limit.windowMs;
    if (this.now() >= end) {
      this.failures.delete(key);
      return 0;
    }
    return f.count >= limit.maxFailures ? end - this.now() : 0;
  }

  fail(key: string, limit: ThrottleLimit): void {
    key = boundedKey(key);
    const f = this.failures.get(key);
    if (!f || this.now() >= f.since + limit.windowMs) this.failures.set(key, { count: 1, since: this.now() });
    else f.count++;
    // Bound memory under a spray of distinct usernames: drop the oldest entries.
    if (this.failures.size > 10_000) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  clear(key: string): void {
    this.failures.delete(boundedKey(key));
  }

  /** The keys held now (for tests and diagnostics). */
  keys(): string[] {
    return [...this.failures.keys()];
  }
}
