import type { AppContext } from '../context';
import { sendUpstream } from '../http/send-upstream';
import { bodyArrived } from '../http/upstream-client';
import { keyRefusalNow } from '../auth/client-auth';
import { adapterFor } from '../providers/registry';
import { MAX_UPSTREAM_BODY_BYTES, readWholeAnswer } from '../providers/shared/read-capped';
import type { ProviderId, UpstreamCall } from '../providers/types';
import { Deadline } from '../runtime/deadline';
import type { RouteTarget } from '../routing/types';
import type { ApiError } from '../errors/api-error';
import type { RequestClock } from './request-clock';
import { GatewayAbort, answerTooLarge, callerAbort, callerStoppedWaiting, errorFromUpstreamResponse, mapUpstreamFailure, type FailureContext } from './upstream-errors';
import { acquireSlot, type HeldCall, type UpstreamSlots } from './upstream-slots';

const utf8 = new TextDecoder();

/** An upstream answer with a 2xx status, its timers still running until `dispose`. */
export interface OpenedUpstream {
  res: Response;
  /** Who answered (named in errors about the answer). */
  provider: ProviderId;
  /** The provider key this call used: redacted from a failure relayed as the provider wrote it. */
  readonly apiKey: string | undefined;
  /** Restarts the idle timer: the relay reads (or is about to read) the upstream's body. */
  touch(): void;
  /** Whether the whole body has arrived: reading it to its end waits on nothing (http/upstream-client.ts bodyArrived). */
  arrived(): boolean;
  /**
   * Restarts the idle timer while the relay waits for its client to take more (TCP backpressure):
   * silence now is the client's, not the upstream's. If it lasts the idle timeout, the upstream call
   * is aborted as 'stalled' (a client failure, not the upstream's) and `onStall` runs, since no read
   * is pending to notice; so it does when the gateway cuts the call meanwhile (a second stop signal).
   * The next touch() ends the wait.
   */
  awaitClient(onStall: () => void): void;
  /** Aborts the upstream call (the client went away). */
  abort(): void;
  /** Maps an error thrown while reading the body to the client's error. */
  failure(err: unknown): ApiError;
  dispose(): void;
}

export interface OpenUpstreamOptions {
  /** The client's request signal: its abort aborts the upstream call at once. */
  signal?: AbortSignal;
  /**
   * Closes the client's connection; called once a client that stopped reading is dropped (after
   * `onStall`). Ending the body is not enough: the runtime keeps a connection open while it holds
   * bytes the client does not take, so each such client would keep a socket and a request in flight.
   */
  dropClient?: () => void;
  clock: RequestClock;
  /**
   * What times out once the headers are in: 'idle' (default) restarts the timer as the idle
   * timeout, for bodies read chunk by chunk; 'header' keeps the header timeout running, so a
   * whole JSON answer must arrive within it (the chat proxy's non-stream calls).
   */
  bodyTimeout?: 'idle' | 'header';
  /** The provider key the call carries (a pool key), redacted from errors; unset: the provider's own. */
  apiKey?: string;
  /**
   * The answer is a small JSON body read whole (a chat completion, a token count): with
   * LLM_PROXY__UPSTREAM__CLIENT=auto it goes over Bun's fetch, whose thread reads it beside the
   * event loop. Unset for streams and for answers that may be large (embeddings), which the socket
   * client reads with backpressure, up to a cap.
   */
  smallJson?: boolean;
}

/**
 * Sends a fully built upstream call (chat, images, OpenAI Responses pass-through) under the
 * header timeout, with client-abort wiring and error mapping, and returns once a 2xx answer's
 * headers are in. Throws ApiError (UpstreamError for upstream failures, driving fallback).
 */
export function openUpstream(ctx: AppContext, target: RouteTarget, call: UpstreamCall, opts: OpenUpstreamOptions): Promise<OpenedUpstream> {
  return awaitHead(startUpstream(ctx, target, call, opts));
}

/**
 * Sends the call (once it holds a slot) and returns it in flight: its `answer` is the head to
 * come, for a caller that waits on it in its own frame (openAttempt: one suspended async function
 * fewer per request waiting, BENCHMARKS.md "session 15"). The caller runs `headIn` on the answer,
 * maps what it throws with `failure`, disposes of the call and counts its time (countUpstreamTime).
 * Not async: an async function keeps its arguments until it returns, and the call (its body, URL
 * and key) is not needed once sent.
 */
export function startUpstream(ctx: AppContext, target: RouteTarget, call: UpstreamCall, opts: OpenUpstreamOptions): UpstreamCallInFlight {
  const up = new UpstreamCallInFlight(ctx, target.provider, opts);
  // One of the upstream requests in flight, held until dispose (waits in a bounded queue when full).
  const queued = acquireSlot(ctx.upstreamSlots, opts.signal, opts.clock);
  up.answer = queued ? queued.then(() => sendIfKeyGood(ctx, up, target, call, opts.clock)) : sendIfKeyGood(ctx, up, target, call, opts.clock);
  return up;
}

/**
 * Sends a call on the slot it holds, if its client key is still good: revoked or expired since
 * the key was checked, it gives the slot back and is refused with the 401 the key gets now
 * (nothing sent). Checked before every call, not only after a wait for a slot: the key was checked
 * when the request's headers came, and its body may take up to the body timeout to arrive (or an
 * earlier target of its group up to the upstream timeouts to fail) while an admin revokes it.
 */
function sendIfKeyGood(ctx: AppContext, up: UpstreamCallInFlight, target: RouteTarget, call: UpstreamCall, clock: RequestClock): Promise<Response> {
  const refused = clock.clientId === null ? null : keyRefusalNow(ctx.state.getSnapshot(), clock.clientId, ctx.limits.now());
  if (refused) {
    ctx.upstreamSlots.release();
    return Promise.reject(refused);
  }
  return up.send(ctx, target, call);
}

/** Waits for the answer's head: a 2xx opens the call, anything else fails it. */
async function awaitHead(up: UpstreamCallInFlight): Promise<OpenedUpstream> {
  try {
    const refused = up.headIn(await up.answer);
    if (refused) throw await refused;
    return up;
  } catch (err) {
    up.dispose();
    throw up.failure(err);
  } finally {
    up.countUpstreamTime();
  }
}

/**
 * One upstream call from its slot to dispose: the abort controller, the timer, the client
 * signal's listener (itself, as handleEvent) and the slot, in one object. Thousands wait on their
 * upstream at once, so it holds no per-call closures, and not the call (its body, URL and key)
 * once it is sent (BENCHMARKS.md, "Memory per request in flight"). It is also the
 * FailureContext its errors are mapped with.
 */
export class UpstreamCallInFlight implements OpenedUpstream, FailureContext, HeldCall {
  res!: Response;
  /** The answer's head to come (startUpstream). */
  answer!: Promise<Response>;
  readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  readonly provider: ProviderId;
  readonly apiKey: string | undefined;
  readonly timeoutS: number;
  readonly idleTimeoutS: number;
  private readonly clientSignal: AbortSignal | undefined;
  private readonly dropClient: (() => void) | undefined;
  private readonly clock: RequestClock;
  /** The body is timed by its silences once the head is in (OpenUpstreamOptions.bodyTimeout). */
  private readonly idle: boolean;
  /** OpenUpstreamOptions.smallJson. */
  private readonly smallJson: boolean;
  /**
   * When the call went out; 0 while it waits for a slot, or when its client had already left
   * (never sent). Once set, the provider may have the prompt: a client abort bills it (`failure`).
   */
  private sentAt = 0;
  /** Held from send to dispose. */
  private slots: UpstreamSlots | null = null;
  /** Its neighbours in the slots' list of held calls (UpstreamSlots.hold). */
  prevHeld: HeldCall | null = null;
  nextHeld: HeldCall | null = null;
  /** The header timeout, then (`kind` 'idle') the idle timeout; a late run looks again (runtime/deadline.ts). */
  private readonly deadline = new Deadline(timedOut, this);
  private kind: 'timeout' | 'idle' = 'timeout';
  /** Set while the relay waits for its client: the silence is then the client's. */
  private onStall: (() => void) | null = null;

  constructor(ctx: AppContext, provider: ProviderId, opts: OpenUpstreamOptions) {
    this.provider = provider;
    this.apiKey = opts.apiKey ?? ctx.state.getSnapshot().providers.get(provider)?.apiKey;
    ({ timeoutS: this.timeoutS, idleTimeoutS: this.idleTimeoutS } = ctx.config.upstream);
    this.clientSignal = opts.signal;
    this.dropClient = opts.dropClient;
    this.clock = opts.clock;
    this.idle = opts.bodyTimeout !== 'header';
    this.smallJson = opts.smallJson === true;
  }

  /** Sends the call on the slot it holds now, under the header timeout and the client's abort. */
  send(ctx: AppContext, target: RouteTarget, call: UpstreamCall): Promise<Response> {
    this.slots = ctx.upstreamSlots;
    this.slots.hold(this);
    const signal = this.clientSignal;
    if (signal?.aborted) this.handleEvent();
    else if (this.slots.cutting) this.cut();
    // No `{ once: true }`: dispose removes the listener anyway, and Bun's options parsing cost
    // ~1.3 µs per request (BENCHMARKS.md, "Cutting the per-request cost").
    signal?.addEventListener('abort', this);
    this.deadline.start(this.timeoutS * 1000);
    if (!this.signal.aborted) this.sentAt = performance.now();
    const transport = adapterFor(target.provider).transport;
    try {
      return transport ? transport(call, this.signal) : sendUpstream(ctx.config.upstream.client, call, this.signal, this.smallJson);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The answer's head is in: a 2xx opens the call (its body then timed by silences, unless the
   * header timeout still runs), anything else is refused with the upstream's error, read from its
   * body (returned to throw).
   */
  headIn(res: Response): Promise<ApiError> | null {
    this.clock.ttfbMs = performance.now() - this.sentAt;
    if (!res.ok) return errorFromUpstreamResponse(this.provider, res, this.apiKey);
    this.res = res;
    if (this.idle && this.deadline.running) {
      this.kind = 'idle';
      this.deadline.start(this.idleTimeoutS * 1000);
    }
    return null;
  }

  /** The client's signal fired: abort the upstream call. */
  handleEvent(): void {
    this.controller.abort(callerAbort(this.clientSignal!));
  }

  /** Adds the time since the call went out to the clock's upstream time (once, when its caller is done waiting on it). */
  countUpstreamTime(): void {
    if (this.sentAt > 0) this.clock.upstreamMs += performance.now() - this.sentAt;
  }

  /** The timer ran out: the header timeout, or a silence of the idle timeout (the client's while it does not read). */
  expire(): void {
    const stalled = this.kind === 'idle' ? this.onStall : null;
    this.controller.abort(new GatewayAbort(stalled ? 'stalled' : this.kind));
    if (!stalled) return;
    stalled();
    this.dropClient?.();
  }

  touch(): void {
    this.onStall = null;
    this.deadline.refresh();
  }

  arrived(): boolean {
    return bodyArrived(this.res.body);
  }

  awaitClient(onStall: () => void): void {
    this.onStall = onStall;
    this.deadline.refresh();
  }

  abort(): void {
    this.controller.abort(new GatewayAbort('client'));
  }

  /**
   * The gateway stops (UpstreamSlots.cutAll): the call ends, and its request says why. A relay
   * waiting for its client to take more has no read pending to notice: its `onStall` is told at
   * once (it ends the body with the error and writes the row), not when the client reads again.
   */
  cut(): void {
    const waiting = this.onStall;
    this.onStall = null;
    this.controller.abort(new GatewayAbort('shutdown'));
    waiting?.();
  }

  /**
   * Before the head (`res` unset) a failure to reach the upstream; after it, the answer broken off.
   * The client left (499) after the call went out: the provider received the prompt and bills it,
   * so the try is billed (ApiError.spent: its prompt estimated, nothing delivered) unless its
   * caller knows more. Left in the queue, it was never sent: nothing is billed. The upstream's own
   * failures (unreachable, timed out: 502, 504) bill nothing either: no provider bills a request it did not answer.
   */
  failure(err: unknown): ApiError {
    const e = mapUpstreamFailure(err, this, this.res !== undefined);
    if (callerStoppedWaiting(e) && this.sentAt > 0 && !e.spent) e.spent = { usage: null, text: '' };
    return e;
  }

  dispose(): void {
    this.deadline.clear();
    this.clientSignal?.removeEventListener('abort', this);
    this.slots?.letGo(this);
    this.slots?.release();
    this.slots = null;
  }
}

/** The deadline's callback (one function for every call: the deadline passes the call). */
function timedOut(up: UpstreamCallInFlight): void {
  up.expire();
}

/**
 * Reads a whole 2xx answer's bytes, at most MAX_UPSTREAM_BODY_BYTES (a larger one is a retryable
 * upstream failure, not read to its end, unless `tooLarge` says otherwise).
 */
export function readAnswerBytes(up: OpenedUpstream, tooLarge?: () => ApiError): Promise<Uint8Array<ArrayBuffer>> {
  return readWholeAnswer(up.res, MAX_UPSTREAM_BODY_BYTES, tooLarge ?? (() => answerTooLarge(up.provider)));
}

/** Reads a whole body as text (see readAnswerBytes), counting the time as upstream time. */
export async function readBody(up: OpenedUpstream, clock: RequestClock, tooLarge?: () => ApiError): Promise<string> {
  const start = performance.now();
  try {
    return utf8.decode(await readAnswerBytes(up, tooLarge));
  } catch (err) {
    throw up.failure(err);
  } finally {
    clock.upstreamMs += performance.now() - start;
    up.dispose();
  }
}
