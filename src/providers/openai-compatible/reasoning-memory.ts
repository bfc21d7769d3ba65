/**
 * Where reasoning is remembered: `recall` reads this process's copy (no wait); a shared store
 * also has `recallShared`, one round trip for ids this process has not seen (another instance
 * answered the turn that made the calls).
 */
export interface ReasoningStore {
  remember(callIds: readonly string[], reasoning: string): void;
  recall(callId: string): string | undefined;
  recallShared?(callIds: readonly string[]): Promise<string | undefined>;
}

/**
 * DeepSeek's thinking models (deepseek-reasoner, deepseek-v4-*) and Kimi's (kimi-k2.6,
 * kimi-k2-thinking) reject the next request of a tool-calling turn unless the assistant message
 * that made the calls carries its `reasoning_content` back. Many OpenAI-SDK clients rebuild
 * assistant messages from typed fields and drop it, so the gateway remembers it by tool call (its
 * key: reasoning-quirk.ts) and fills it in. Bounded and in-memory only: a Map (insertion order =
 * age) holding at most `max` keys for `ttlMs`.
 */
export class ReasoningMemory implements ReasoningStore {
  private readonly byCallId = new Map<string, { reasoning: string; at: number }>();

  constructor(
    private readonly max = 10_000,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers the reasoning of one assistant turn under each of its tool call ids. */
  remember(callIds: readonly string[], reasoning: string): void {
    const entry = { reasoning, at: this.now() };
    for (const id of callIds) {
      this.byCallId.delete(id); // re-inserted as the newest
      this.byCallId.set(id, entry);
    }
    for (const oldest of this.byCallId.keys()) {
      if (this.byCallId.size <= this.max) break;
      this.byCallId.delete(oldest);
    }
  }

  /** The reasoning remembered for a tool call id, unless unknown or older than the TTL. */
  recall(callId: string): string | undefined {
    const entry = this.byCallId.get(callId);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.ttlMs) {
      this.byCallId.delete(callId);
      return undefined;
    }
    return entry.reasoning;
  }

  get size(): number {
    return this.byCallId.size;
  }
}
