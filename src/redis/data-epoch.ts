import type { RedisLink } from './redis-link';

/**
 * Tells a reconnection to a Redis that lost its data (restarted without persistence, flushed) from
 * one to the same data set: `<prefix><name>` holds a random mark set by whoever connects first to
 * an empty Redis; another mark than the one last seen means the data this instance shared is gone.
 * Each user keeps its own mark (its own name), so no reconnection handler waits for another's.
 */
export class DataEpoch {
  private seen: string | null = null;

  constructor(
    private readonly link: RedisLink,
    private readonly name: string,
  ) {}

  /** True when Redis no longer holds the data set last seen here (never on the first check). Throws while Redis is down. */
  async lost(): Promise<boolean> {
    const key = this.link.key(this.name);
    await this.link.send('SET', [key, crypto.randomUUID(), 'NX']);
    const current = (await this.link.send('GET', [key])) as string | null;
    const lost = this.seen !== null && current !== this.seen;
    this.seen = current;
    return lost;
  }
}
