/**
 * A log sink's count of the rows it had to drop, each drop warned about with why, at most one
 * warning every `everyMs` (a failing store would otherwise print one per request); `urgent` warns
 * at once. The sink's other warnings share the same rate limit (`warn`).
 */
export class DroppedRows {
  count = 0;
  private lastWarn = -Infinity;

  constructor(
    private readonly print: (msg: string) => void,
    private readonly everyMs: number,
  ) {}

  drop(count: number, why: string, urgent = false): void {
    this.count += count;
    if (urgent) this.lastWarn = -Infinity;
    this.warn(`gophergate: ${why}; ${this.count} log record(s) dropped so far`);
  }

  warn(msg: string): void {
    const now = Date.now();
    if (now - this.lastWarn < this.everyMs) return;
    this.lastWarn = now;
    this.print(msg);
  }
}
