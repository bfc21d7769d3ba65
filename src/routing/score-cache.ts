/**
 * A small LRU of classifier scores keyed by (group, classifier, scale, prompt hash), so a
 * client retrying or repeating a prompt within the TTL is not rated (and billed) twice.
 * Only scores are kept, never prompt text.
 */
export class ScoreCache {
  private readonly entries = new Map<string, { score: number; at: number }>();

  constructor(
    readonly maxEntries = 1000,
    readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): number | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (this.now() - e.at > this.ttlMs) {
      this.entries.delete(key);
      return null;
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.score;
  }

  set(key: string, score: number): void {
    this.entries.delete(key);
    this.entries.set(key, { score, at: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
