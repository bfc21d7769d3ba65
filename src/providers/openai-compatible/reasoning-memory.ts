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

/** Characters of reasoning held at most: a thinking model's turn can carry a 100 KB reasoning, so 10k ids alone could hold a gigabyte. */
export const MAX_REASONING_CHARS = 32 * 1024 * 1024;

/**
 * Longest memory key kept (a call id, `after:<tool_call_id>`, Kimi's client-scoped key). Providers'
 * ids are short (`call_0_<uuid>`), but the tool result's id is the client's: without this, 10,000
 * keys of a 1 MB `tool_call_id` each would hold 10 GB, outside the characters counted above.
 */
export const MAX_KEY_CHARS = 1024;

/** The keys worth remembering under: distinct, none longer than MAX_KEY_CHARS. */
export const rememberable = (callIds: readonly string[]): string[] => [...new Set(callIds)].filter((id) => id.length <= MAX_KEY_CHARS);

interface Remembered {
  reasoning: string;
  at: number;
  /** Tool call ids that name it (one turn's calls share one entry, counted once in the size). */
  refs: number;
}

/**
 * DeepSeek's thinking models (deepseek-reasoner, deepseek-v4-*) and Kimi's (kimi-k2.6,
 * kimi-k2-thinking) reject the next request of a tool-calling turn unless the assistant message
 * that made the calls carries its `reasoning_content` back. Many OpenAI-SDK clients rebuild
 * assistant messages from typed fields and drop it, so the gateway remembers it by tool call (its
 * key: reasoning-quirk.ts) and fills it in. Bounded and in-memory only: a Map (insertion order =
 * age) holding at most `max` keys and `maxChars` characters of reasoning for `ttlMs`; the newest
 * turn always stays.
 */
export class ReasoningMemory implements ReasoningStore {
  private readonly byCallId = new Map<string, Remembered>();
  private chars = 0;

  constructor(
    private readonly max = 10_000,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
    private readonly maxChars = MAX_REASONING_CHARS,
  ) {}

  /** Remembers the reasoning of one assistant turn under each of its tool call ids. */
  remember(callIds: readonly string[], reasoning: string): void {
    const entry: Remembered = { reasoning, at: this.now(), refs: 0 };
    for (const id of rememberable(callIds)) {
      this.forget(id); // re-inserted as the newest
      this.byCallId.set(id, entry);
      entry.refs++;
    }
    if (entry.refs) this.chars += reasoning.length;
    for (const [oldest, e] of this.byCallId) {
      if (e === entry || (this.byCallId.size <= this.max && this.chars <= this.maxChars)) break;
      this.forget(oldest);
    }
  }

  /** The reasoning remembered for a tool call id, unless unknown or older than the TTL. */
  recall(callId: string): string | undefined {
    const entry = this.byCallId.get(callId);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.ttlMs) {
      this.forget(callId);
      return undefined;
    }
    return entry.reasoning;
  }

  private forget(callId: string): void {
    const e = this.byCallId.get(callId);
    if (!e) return;
    this.byCallId.delete(callId);
    if (--e.refs === 0) this.chars -= e.reasoning.length;
  }

  get size(): number {
    return this.byCallId.size;
  }

  /** Characters of reasoning held (each turn's once, however many calls name it). */
  get heldChars(): number {
    return this.chars;
  }
}
