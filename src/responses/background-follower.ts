import type { Usage } from '../usage/types';

/** A background response's state at the upstream, as far as following it needs. */
export interface ResponseState {
  status: string;
  usage: Usage | null;
}

/** One background response followed to its end. */
export interface Followed {
  /** Reads the response's state at the upstream; throws on failure (`status: 404`: it is gone). */
  read(): Promise<ResponseState>;
  /** Called exactly once: with the usage at the end, or the last seen (null: none) when the end was not seen. */
  finish(usage: Usage | null): void;
}

/** The statuses after which a response's usage no longer changes. */
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'incomplete']);
export const isTerminalStatus = (status: unknown) => typeof status === 'string' && TERMINAL.has(status);

export interface FollowerOptions {
  /** First read after the answer (ms); each next one waits 1.5 times longer, up to maxPollMs. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Given up after this long (ms): the row is written with the last usage seen. */
  deadlineMs?: number;
  /** Most responses followed at once; past it a new one is recorded at once, as before following. */
  max?: number;
}

interface Job {
  followed: Followed;
  delayMs: number;
  deadline: number;
  usage: Usage | null;
  timer: Timer | null;
}

/**
 * `background: true` responses answer at once (`queued`) and run on at the upstream: their tokens
 * are known only at the end. The follower reads each one now and then (backing off) until it
 * ends, then calls `finish` with its usage, so the request's one log row, written there, carries
 * the real tokens and cost, and the key's limit reservation is held until then. Timers are
 * unref'd; shutdown calls `drain`.
 */
export class BackgroundFollower {
  private readonly jobs = new Set<Job>();
  private readonly firstPollMs: number;
  private readonly maxPollMs: number;
  private readonly deadlineMs: number;
  private readonly max: number;
  private closed = false;

  constructor(opts: FollowerOptions = {}) {
    this.firstPollMs = opts.firstPollMs ?? 2_000;
    this.maxPollMs = opts.maxPollMs ?? 30_000;
    this.deadlineMs = opts.deadlineMs ?? 3 * 3_600_000;
    this.max = opts.max ?? 10_000;
  }

  /** Responses being followed now. */
  get size(): number {
    return this.jobs.size;
  }

  follow(followed: Followed): void {
    if (this.closed || this.jobs.size >= this.max) return followed.finish(null);
    const job: Job = { followed, delayMs: this.firstPollMs, deadline: Date.now() + this.deadlineMs, usage: null, timer: null };
    this.jobs.add(job);
    this.schedule(job);
  }

  private schedule(job: Job): void {
    job.timer = setTimeout(() => void this.poll(job), job.delayMs);
    (job.timer as any).unref?.();
  }

  private async poll(job: Job): Promise<void> {
    job.timer = null;
    try {
      const state = await job.followed.read();
      job.usage = state.usage ?? job.usage;
      if (isTerminalStatus(state.status)) return this.end(job, job.usage);
    } catch (err) {
      // Gone (deleted, expired): its usage cannot be known any more. Anything else: try again later.
      if ((err as { status?: number })?.status === 404) return this.end(job, job.usage);
    }
    if (!this.jobs.has(job)) return; // drained meanwhile
    if (Date.now() >= job.deadline) return this.end(job, job.usage);
    job.delayMs = Math.min(Math.round(job.delayMs * 1.5), this.maxPollMs);
    this.schedule(job);
  }

  private end(job: Job, usage: Usage | null): void {
    if (!this.jobs.delete(job)) return;
    if (job.timer) clearTimeout(job.timer);
    try {
      job.followed.finish(usage);
    } catch (err) {
      // A bug in writing the row must not become an unhandled rejection of the timer's poll.
      console.error(`[gophergate] recording a background response: ${(err as Error)?.message ?? err}`);
    }
  }

  /**
   * Shutdown: no new responses are followed; each one still running is read once more (within
   * `timeoutMs` in all) and every row is written, with the usage known by then.
   */
  async drain(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    const jobs = [...this.jobs];
    for (const job of jobs) if (job.timer) clearTimeout(job.timer);
    const lastReads = jobs.map(async (job) => {
      try {
        const state = await job.followed.read();
        job.usage = state.usage ?? job.usage;
      } catch {
        // unreadable now: the last usage seen stands
      }
      this.end(job, job.usage);
    });
    await Promise.race([Promise.allSettled(lastReads), Bun.sleep(timeoutMs)]);
    for (const job of [...this.jobs]) this.end(job, job.usage);
  }
}
