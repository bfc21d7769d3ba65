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

export interface ThrottleBounds {
  /** Entries held at most, all sources together. */
  maxEntries: number;
  /** Entries one source (owner) may hold; past it, that source's own oldest entry goes. */
  maxPerOwner: number;
}

interface Failure {
  count: number;
  since: number;
  owner: string;
}

interface Owner {
  keys: Set<string>;
  lastSeen: number;
}

/**
 * Failed-login counter kept in memory (a restart forgets it, which is acceptable: an attacker
 * cannot restart the gateway). Counts failures in a fixed window that starts at the first one.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Failure>();
  private readonly owners = new Map<string, Owner>();
  private readonly bounds: ThrottleBounds;

  constructor(
    private readonly now: () => number,
    bounds: Partial<ThrottleBounds> = {},
  ) {
    this.bounds = { maxEntries: 10_000, maxPerOwner: 100, ...bounds };
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string, limit: ThrottleLimit): number {
    key = boundedKey(key);
    const f = this.failures.get(key);
    if (!f) return 0;
    const end = f.since + limit.windowMs;
    if (this.now() >= end) {
      this.remove(key);
      return 0;
    }
    return f.count >= limit.maxFailures ? end - this.now() : 0;
  }

  /**
   * Counts one failure of `key`, which belongs to `owner` (the source address it came from;
   * by default the key itself). Memory stays bounded without letting one source push out
   * another's entries: a source over its quota loses its own oldest entry, and when the whole
   * map is full the entry that goes is the oldest of the source holding the most (the most
   * recently active one among equals), i.e. the one spraying now.
   */
  fail(key: string, limit: ThrottleLimit, owner: string = key): void {
    key = boundedKey(key);
    owner = boundedKey(owner);
    const now = this.now();
    const f = this.failures.get(key);
    if (f && now < f.since + limit.windowMs) {
      f.count++;
    } else {
      if (f) this.remove(key);
      this.failures.set(key, { count: 1, since: now, owner });
      let o = this.owners.get(owner);
      if (!o) this.owners.set(owner, (o = { keys: new Set(), lastSeen: now }));
      o.keys.add(key);
    }
    const o = this.owners.get(this.failures.get(key)!.owner)!;
    o.lastSeen = now;
    if (o.keys.size > this.bounds.maxPerOwner) this.evictOldestOf(o, key);
    if (this.failures.size > this.bounds.maxEntries) {
      let worst: Owner | null = null;
      for (const c of this.owners.values())
        if (!worst || c.keys.size > worst.keys.size || (c.keys.size === worst.keys.size && c.lastSeen > worst.lastSeen)) worst = c;
      if (worst) this.evictOldestOf(worst, key);
    }
  }

  /** Drops an owner's oldest entry, never `keep` (the one just counted) unless it is the only one. */
  private evictOldestOf(o: Owner, keep: string): void {
    for (const k of o.keys) {
      if (k !== keep || o.keys.size === 1) {
        this.remove(k);
        return;
      }
    }
  }

  private remove(key: string): void {
    const f = this.failures.get(key);
    if (!f) return;
    this.failures.delete(key);
    const o = this.owners.get(f.owner);
    if (o) {
      o.keys.delete(key);
      if (o.keys.size === 0) this.owners.delete(f.owner);
    }
  }

  clear(key: string): void {
    this.remove(boundedKey(key));
  }

  /** The keys held now (for tests and diagnostics). */
  keys(): string[] {
    return [...this.failures.keys()];
  }
}
