import { ApiError } from '../errors/api-error';
import { ClassifierTimeout } from '../routing/classifier-strategy';
import { Deadline } from '../runtime/deadline';
import { classifierTimedOut, clientClosed } from './upstream-errors';

/** Suggested wait before retrying a request refused for lack of a slot (seconds). */
const OVERLOADED_RETRY_AFTER_S = 1;

/** The answer to a request that waited its whole queue timeout without getting a slot. */
export const overloaded = (maxConnections: number, waitedS: number) =>
  new ApiError({
    status: 503,
    message: `The gateway is at its limit of ${maxConnections} upstream requests in flight and this request waited ${waitedS} s for a slot; retry later.`,
    type: 'server_error',
    code: 'overloaded',
    headers: { 'retry-after': String(OVERLOADED_RETRY_AFTER_S) },
  });

/** An upstream call on a slot, linked into UpstreamSlots' list of held calls. */
export interface HeldCall {
  prevHeld: HeldCall | null;
  nextHeld: HeldCall | null;
  cut(): void;
}

interface Waiter {
  grant(): void;
  /** False once granted, timed out or abandoned. */
  live: boolean;
}

/**
 * Upstream requests in flight, counted by the gateway itself: at most `max` at once (the same
 * limit as Bun's fetch cap, so nothing waits unseen inside the runtime). Past it, a request waits
 * in a FIFO queue bounded in time: after `queueTimeoutMs` it is refused with 503 `overloaded`.
 * A slot is held from the upstream call until its answer is read to the end (or abandoned).
 */
export class UpstreamSlots {
  inUse = 0;
  /** Requests waiting for a slot now. */
  waiting = 0;
  /** Requests refused after waiting the whole queue timeout, since start. */
  refused = 0;
  private queue: Waiter[] = [];
  private head = 0;
  /**
   * The calls holding a slot (held as sent, let go at dispose), for cutAll: a list threaded through
   * the calls themselves. A Set of them cost ~14 µs per JSON request at c16 (BENCHMARKS.md, "Session 22").
   */
  private held: HeldCall | null = null;
  /** Set by cutAll: a call sent from then on ends at once. */
  cutting = false;

  constructor(
    readonly max: number,
    readonly queueTimeoutMs: number,
  ) {}

  /**
   * The gateway was signalled to stop again: every call in flight, and any sent from now on, is
   * ended as 'shutdown' (its request answers 503 shutting_down; a stream ends with that error event).
   */
  cutAll(): void {
    this.cutting = true;
    const all: HeldCall[] = [];
    for (let c = this.held; c; c = c.nextHeld) all.push(c);
    for (const c of all) c.cut();
  }

  /** A call went out on its slot. */
  hold(c: HeldCall): void {
    c.prevHeld = null;
    c.nextHeld = this.held;
    if (this.held) this.held.prevHeld = c;
    this.held = c;
  }

  /** A held call is over (safe for one never held or already let go). */
  letGo(c: HeldCall): void {
    if (c.prevHeld) c.prevHeld.nextHeld = c.nextHeld;
    else if (this.held === c) this.held = c.nextHeld;
    else return;
    if (c.nextHeld) c.nextHeld.prevHeld = c.prevHeld;
    c.prevHeld = c.nextHeld = null;
  }

  /** How many calls are held now (tests). */
  heldCount(): number {
    let n = 0;
    for (let c = this.held; c; c = c.nextHeld) n++;
    return n;
  }

  /** Takes a slot without waiting, if one is free and nobody waits before. */
  tryAcquire(): boolean {
    if (this.inUse >= this.max || this.waiting > 0) return false;
    this.inUse++;
    return true;
  }

  /**
   * Waits for a slot. Rejects with `overloaded` after the queue timeout, or with the signal's
   * reason when it fires first; either way no slot is held.
   */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // A late run looks again (runtime/deadline.ts): the answers that came while the event loop
      // was held up give their slots back first, and one of them may be this request's.
      const deadline = new Deadline(() => {
        leave();
        this.refused++;
        reject(overloaded(this.max, roundS(this.queueTimeoutMs)));
      }, undefined);
      const leave = () => {
        w.live = false;
        this.waiting--;
        deadline.clear();
        signal?.removeEventListener('abort', onAbort);
        // Waiters that left stay in the array until a release passes them; drop them in bulk.
        if (this.queue.length - this.head > 2 * this.waiting + 1024) this.dropLeft();
      };
      const onAbort = () => {
        leave();
        reject(signal!.reason);
      };
      const w: Waiter = {
        live: true,
        grant: () => {
          leave();
          resolve();
        },
      };
      if (signal?.aborted) return reject(signal.reason);
      this.waiting++;
      this.queue.push(w);
      deadline.start(this.queueTimeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Gives a slot back: to the longest-waiting request, if any, on the next turn of the event loop.
   * Handed over at once, it went to a waiter whose client had hung up in the same burst but whose
   * close the runtime had not dispatched yet: that waiter called the upstream, was aborted, handed
   * the slot on to the next such waiter, and so on (hundreds of clients leaving the queue at once
   * made as many upstream calls). By the next turn those closes are handled; the slot stays counted
   * in use meanwhile, and goes on to the next waiter if this one left.
   */
  release(): void {
    while (this.head < this.queue.length) {
      const w = this.queue[this.head]!;
      this.queue[this.head++] = undefined!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) this.compact();
      if (w.live) return void setImmediate(grantLater, this, w);
    }
    this.inUse--;
  }

  private dropLeft(): void {
    this.queue = this.queue.slice(this.head).filter((w) => w.live);
    this.head = 0;
  }

  private compact(): void {
    this.queue = this.queue.slice(this.head);
    this.head = 0;
  }
}

/** Hands a released slot to its waiter, or on to the next one when that left meanwhile. */
function grantLater(slots: UpstreamSlots, w: Waiter): void {
  if (w.live) w.grant();
  else slots.release();
}

const roundS = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Takes a slot for one upstream call, waiting when the gateway is full (the wait goes to
 * `clock.queueMs`, outside the gateway's overhead). Returns the release, safe to call more than
 * once: at once when a slot is free (no promise on the common path), else a promise of it that
 * rejects with `overloaded` after the queue timeout, or clientClosed when the client goes first.
 */
export function takeSlot(slots: UpstreamSlots, signal: AbortSignal | undefined, clock: { queueMs: number }): (() => void) | Promise<() => void> {
  const waiting = acquireSlot(slots, signal, clock);
  return waiting ? waiting.then(() => releaseOnce(slots)) : releaseOnce(slots);
}

/**
 * takeSlot without the release function (the caller calls `slots.release()` once itself): null
 * when a slot was free, else a promise that resolves once one is held.
 */
export function acquireSlot(slots: UpstreamSlots, signal: AbortSignal | undefined, clock: { queueMs: number }): Promise<void> | null {
  return slots.tryAcquire() ? null : waitForSlot(slots, signal, clock);
}

async function waitForSlot(slots: UpstreamSlots, signal: AbortSignal | undefined, clock: { queueMs: number }): Promise<void> {
  const queuedAt = performance.now();
  try {
    await slots.wait(signal);
  } catch (err) {
    throw err instanceof ApiError ? err : err instanceof ClassifierTimeout ? classifierTimedOut(err) : clientClosed();
  } finally {
    clock.queueMs += performance.now() - queuedAt;
  }
}

function releaseOnce(slots: UpstreamSlots): () => void {
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    slots.release();
  };
}
