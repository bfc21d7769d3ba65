import { ReasoningMemory, rememberable, type ReasoningStore } from '../providers/openai-compatible/reasoning-memory';
import type { RedisLink } from './redis-link';

const TTL_MS = 60 * 60 * 1000;

/**
 * DeepSeek reasoning memory shared through Redis: remembered here (the local memory answers
 * this instance's next turn without a wait) and written to `<prefix>reasoning:<call id>` with
 * the same one-hour TTL, fire and forget. A turn whose calls this instance never saw reads
 * Redis once (MGET of its call ids). While Redis is down each instance remembers its own.
 */
export class RedisReasoningStore implements ReasoningStore {
  constructor(
    private readonly link: RedisLink,
    private readonly local = new ReasoningMemory(),
  ) {}

  remember(callIds: readonly string[], reasoning: string): void {
    this.local.remember(callIds, reasoning);
    if (!this.link.isUp()) return;
    for (const id of rememberable(callIds)) this.link.send('SET', [this.link.key(`reasoning:${id}`), reasoning, 'PX', String(TTL_MS)]).catch(() => {});
  }

  recall(callId: string): string | undefined {
    return this.local.recall(callId);
  }

  async recallShared(callIds: readonly string[]): Promise<string | undefined> {
    if (!this.link.isUp()) return undefined;
    const values = (await this.link.send('MGET', callIds.map((id) => this.link.key(`reasoning:${id}`)))) as (string | null)[];
    return values.find((v): v is string => typeof v === 'string');
  }
}
