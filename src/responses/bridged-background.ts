import { namedSseFrame } from '../proxy/chunk-event-stream';
import { approxBytes } from './approx-bytes';
import type { ResponseEvent } from './responses-types';

/** How long a finished job's events stay, for `retrieve(id, { stream: true, starting_after })`. */
const KEEP_EVENTS_MS = 10 * 60_000;
/** Finished jobs kept at most (the oldest are forgotten first). */
const MAX_FINISHED = 1_000;
/**
 * Size (approxBytes) of the finished jobs' events kept at most, the oldest forgotten first: a long
 * answer is thousands of delta events, so 1,000 of them could hold a gigabyte for ten minutes.
 */
export const MAX_FINISHED_EVENT_BYTES = 64 * 1024 * 1024;

/**
 * One bridged `background: true` response the gateway runs itself (bridged-response.ts): the
 * Responses events it produced so far, for every stream that follows it (the create call's own,
 * and `retrieve` with `stream=true` from a `starting_after`), and the switch that cancels it.
 */
export class BackgroundJob {
  readonly events: ResponseEvent[] = [];
  ended = false;
  /** Size of its events once it ended and is kept (BackgroundJobs). */
  heldBytes = 0;
  /** The timer that forgets it once finished (BackgroundJobs): cleared when it goes sooner, else it would hold the events. */
  forgetTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();
  private wakers: (() => void)[] = [];
  private resolveEnd!: () => void;
  /** Settles when the job has ended and saved its last state. */
  readonly done = new Promise<void>((r) => (this.resolveEnd = r));

  /** Fires when the job is cancelled: the upstream call ends. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  push(events: ResponseEvent[]): void {
    if (!events.length) return;
    this.events.push(...events);
    this.wake();
  }

  cancel(): void {
    this.abort.abort();
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.resolveEnd();
    this.wake();
  }

  /** Resolves at the next push or end. */
  changed(): Promise<void> {
    return new Promise((r) => this.wakers.push(r));
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }
}

/**
 * The bridged background responses of this instance, by response id: running, and finished ones
 * for KEEP_EVENTS_MS (their events can still be streamed back). Shutdown waits for the running
 * ones a while, then cancels them (`drain`), so each writes its row.
 */
export class BackgroundJobs {
  private readonly jobs = new Map<string, BackgroundJob>();
  /** Sum of the finished jobs' heldBytes. */
  private finishedBytes = 0;

  constructor(
    private readonly maxFinished = MAX_FINISHED,
    private readonly maxFinishedBytes = MAX_FINISHED_EVENT_BYTES,
  ) {}

  /** Jobs kept now: running, and finished with the size of their events (for tests and diagnostics). */
  get held(): { jobs: number; finishedBytes: number } {
    return { jobs: this.jobs.size, finishedBytes: this.finishedBytes };
  }

  get running(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (!job.ended) n++;
    return n;
  }

  /** A new job (one started while shutdown drains is waited for too). */
  start(id: string): BackgroundJob {
    const job = new BackgroundJob();
    this.jobs.set(id, job);
    void job.done.then(() => this.forgetLater(id, job));
    return job;
  }

  get(id: string): BackgroundJob | undefined {
    return this.jobs.get(id);
  }

  /** Shutdown: the running jobs get `waitMs` to end, then are cancelled; resolves once all ended (or after twice `waitMs`). */
  async drain(waitMs = 10_000): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => !j.ended);
    const all = Promise.all(running.map((j) => j.done));
    await Promise.race([all, Bun.sleep(waitMs)]);
    for (const j of running) if (!j.ended) j.cancel();
    await Promise.race([all, Bun.sleep(waitMs)]);
  }

  /** A job ended: its events are kept KEEP_EVENTS_MS, within the count and size bounds (the oldest finished go first, never this one). */
  private forgetLater(id: string, job: BackgroundJob): void {
    if (this.jobs.get(id) !== job) return;
    // The timer's closure holds the job: forget() clears it, so a job evicted by the bounds below is not kept its 10 minutes anyway.
    job.forgetTimer = setTimeout(() => this.jobs.get(id) === job && this.forget(id), KEEP_EVENTS_MS);
    (job.forgetTimer as any).unref?.();
    job.heldBytes = approxBytes(job.events);
    this.finishedBytes += job.heldBytes;
    let finished = 0;
    for (const j of this.jobs.values()) if (j.ended) finished++;
    for (const [oldId, j] of this.jobs) {
      if (finished <= this.maxFinished && this.finishedBytes <= this.maxFinishedBytes) break;
      if (!j.ended || j === job) continue;
      this.forget(oldId);
      finished--;
    }
  }

  private forget(id: string): void {
    const j = this.jobs.get(id);
    if (!j) return;
    this.jobs.delete(id);
    clearTimeout(j.forgetTimer);
    if (j.ended) this.finishedBytes -= j.heldBytes;
  }
}

/**
 * A job's events after sequence number `after` (-1: all) as an SSE body, live until the job
 * ends. A client that leaves only stops following: the job runs on.
 */
export function followJob(job: BackgroundJob, after = -1): ReadableStream<Uint8Array> {
  let next = job.events.findIndex((e) => e.sequence_number > after);
  if (next < 0) next = job.events.length;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (next >= job.events.length && !job.ended) await job.changed();
        if (next < job.events.length) {
          for (const e of job.events.slice(next)) controller.enqueue(namedSseFrame(e));
          next = job.events.length;
          return;
        }
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
