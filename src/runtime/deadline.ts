/**
 * A timer that runs this much later than due was held up by a blocked event loop (a long GC
 * pause, a starved CPU, a long synchronous task), not by the silence or the wait it measures:
 * after such a hold-up the runtime runs the timers due before it handles the reads, writes and
 * releases that arrived meanwhile, and those may be what the timer waits for.
 */
export const LATE_TIMER_MS = 1000;
/** How long after a late run the deadline looks again: enough for the pending I/O to be handled. */
const RECHECK_MS = 20;

/**
 * The one timer for deadlines and silences (upstream header and idle timeouts, the request body
 * deadline, a paced answer's reader, the upstream slot queue). It runs `onExpire(arg)` once `ms`
 * pass without a `refresh` or `clear`; when it runs over LATE_TIMER_MS late, it looks again
 * RECHECK_MS later, once the I/O that came during the hold-up was handled: a refresh or clear
 * meanwhile (the awaited read came, the slot was given) stands, else it expires then. A deadline
 * that really passed still expires, a few ms later. `arg` is passed rather than closed over, so
 * one callback serves many deadlines (an upstream call in flight holds no closures).
 */
export class Deadline<A = undefined> {
  private timer: Timer | null = null;
  private armedAt = 0;
  private dueMs = 0;
  private rechecking = false;

  constructor(
    private readonly onExpire: (arg: A) => void,
    private readonly arg: A,
  ) {}

  /** Starts (or restarts, with a new length) the count of `ms`. */
  start(ms: number): this {
    if (this.timer) clearTimeout(this.timer);
    this.dueMs = ms;
    this.armedAt = performance.now();
    this.timer = setTimeout(runDeadline, ms, this as Deadline<any>, false);
    return this;
  }

  /** Restarts the count of the same length from now; nothing once cleared or expired. */
  refresh(): void {
    if (!this.timer) return;
    this.timer.refresh();
    this.armedAt = performance.now();
  }

  /** Stops it for good (until the next start). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Started and neither cleared nor expired. */
  get running(): boolean {
    return this.timer !== null;
  }

  /** @internal the timer ran (`recheck`: a late run's second look). */
  ran(recheck: boolean): void {
    if (!this.timer) return;
    const elapsed = performance.now() - this.armedAt;
    if (recheck) {
      this.rechecking = false;
      // Refreshed meanwhile: the timer runs on by itself.
      if (elapsed < this.dueMs) return;
    } else if (elapsed > this.dueMs + LATE_TIMER_MS) {
      if (!this.rechecking) setTimeout(runDeadline, RECHECK_MS, this, true);
      this.rechecking = true;
      return;
    }
    this.timer = null;
    this.onExpire(this.arg);
  }
}

/** Every deadline's timer callback (setTimeout passes the deadline and whether it is a second look). */
function runDeadline(d: Deadline<any>, recheck: boolean): void {
  d.ran(recheck);
}

/** `p`, or the error of `onTimeout` once `ms` passed (a Deadline: a late run looks again; it never outlives `p`). */
export function withDeadline<V>(p: Promise<V>, ms: number, onTimeout: () => Error): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const deadline = new Deadline(() => reject(onTimeout()), undefined).start(ms);
    // A promise that fails after the deadline is nobody's business: this one is settled.
    p.then(
      (v) => (deadline.clear(), resolve(v)),
      (e) => (deadline.clear(), reject(e)),
    );
  });
}
