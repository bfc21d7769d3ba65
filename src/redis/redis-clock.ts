import type { RedisLink } from './redis-link';

/** An offset below this is left at zero: the round trip's own noise, and nothing a window would feel. */
const TOLERANCE_MS = 1_000;

/**
 * Redis's clock, read through this instance's own: the limit windows, budget periods and sweeps in
 * Redis are stamped with the admitting instance's time, so an instance whose clock ran ahead pruned
 * the others' entries (a key at its RPM served it again at once) and one behind kept its own past
 * the minute. Each instance measures how far Redis's `TIME` is from its clock on each connection and
 * every `everyMs`, and the limits read `now()`: every instance then stamps on one clock. Within
 * TOLERANCE_MS the offset stays zero.
 */
export class RedisClock {
  private offset = 0;

  constructor(
    private readonly link: RedisLink,
    everyMs = 30_000,
    private readonly local: () => number = Date.now,
  ) {
    link.onUp(() => void this.measure());
    if (link.isUp()) void this.measure();
    const timer = setInterval(() => {
      if (link.isClosed()) return clearInterval(timer);
      if (link.isUp()) void this.measure();
    }, everyMs);
    (timer as { unref?: () => void }).unref?.();
  }

  /** Epoch ms on Redis's clock (this instance's own until the first measure, or while within tolerance). */
  readonly now = (): number => this.local() + this.offset;

  /** Reads Redis's TIME; the offset is taken from the middle of the round trip. */
  async measure(): Promise<void> {
    try {
      const before = this.local();
      const [s, us] = (await this.link.send('TIME', [])) as [string, string];
      const after = this.local();
      const off = Number(s) * 1000 + Math.floor(Number(us) / 1000) - (before + after) / 2;
      if (Number.isFinite(off)) this.offset = Math.abs(off) < TOLERANCE_MS ? 0 : Math.round(off);
    } catch {
      // down again: the next connection measures
    }
  }
}
