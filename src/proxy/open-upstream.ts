import type { AppContext } from '../context';
import { sendUpstream } from '../http/send-upstream';
import { adapterFor } from '../providers/registry';
import { MAX_UPSTREAM_BODY_BYTES, readWholeAnswer } from '../providers/shared/read-capped';
import type { ProviderId, UpstreamCall } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import type { ApiError } from '../errors/api-error';
import type { RequestClock } from './request-clock';
import { GatewayAbort, answerTooLarge, callerAbort, errorFromUpstreamResponse, mapUpstreamFailure } from './upstream-errors';
import { takeSlot } from './upstream-slots';

const utf8 = new TextDecoder();

/** An upstream answer with a 2xx status, its timers still running until `dispose`. */
export interface OpenedUpstream {
  res: Response;
  /** Who answered (named in errors about the answer). */
  provider: ProviderId;
  /** Restarts the idle timer: the relay reads (or is about to read) the upstream's body. */
  touch(): void;
  /**
   * Restarts the idle timer while the relay waits for its client to take more (TCP backpressure):
   * silence now is the client's, not the upstream's. If it lasts the idle timeout, the upstream call
   * is aborted as 'stalled' (a client failure, not the upstream's) and `onStall` runs, since no read
   * is pending to notice. The next touch() ends the wait.
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
}

/**
 * Sends a fully built upstream call (chat, images, OpenAI Responses pass-through) under the
 * header timeout, with client-abort wiring and error mapping, and returns once a 2xx answer's
 * headers are in. Throws ApiError (UpstreamError for upstream failures, driving fallback).
 */
export async function openUpstream(
  ctx: AppContext,
  target: RouteTarget,
  call: UpstreamCall,
  opts: OpenUpstreamOptions,
): Promise<OpenedUpstream> {
  // One of the upstream requests in flight, held until dispose (waits in a bounded queue when full).
  const slot = takeSlot(ctx.upstreamSlots, opts.signal, opts.clock);
  const releaseSlot = typeof slot === 'function' ? slot : await slot;
  const apiKey = opts.apiKey ?? ctx.state.getSnapshot().providers.get(target.provider)?.apiKey;
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(callerAbort(opts.signal!));
  if (opts.signal?.aborted) onClientAbort();
  // No `{ once: true }`: dispose removes the listener anyway, and Bun's options parsing cost
  // ~1.3 µs per request (BENCHMARKS.md, "Cutting the per-request cost").
  opts.signal?.addEventListener('abort', onClientAbort);
  const { timeoutS, idleTimeoutS } = ctx.config.upstream;
  const fc = { provider: target.provider, signal: controller.signal, timeoutS, idleTimeoutS, apiKey };
  let timer: Timer | null = setTimeout(() => controller.abort(new GatewayAbort('timeout')), timeoutS * 1000);
  const dispose = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    opts.signal?.removeEventListener('abort', onClientAbort);
    releaseSlot();
  };
  const sentAt = performance.now();
  try {
    const transport = adapterFor(target.provider).transport;
    const res = transport
      ? await transport(call, controller.signal)
      : await sendUpstream(ctx.config.upstream.client, call, controller.signal);
    opts.clock.ttfbMs = performance.now() - sentAt;
    if (!res.ok) throw await errorFromUpstreamResponse(target.provider, res, apiKey);
    /** Set while the relay waits for its client: the silence is then the client's. */
    let onStall: (() => void) | null = null;
    if (opts.bodyTimeout !== 'header') {
      // Headers are in: from here on silence between chunks is what times out.
      clearTimeout(timer!);
      timer = setTimeout(() => {
        const stalled = onStall;
        controller.abort(new GatewayAbort(stalled ? 'stalled' : 'idle'));
        if (!stalled) return;
        stalled();
        opts.dropClient?.();
      }, idleTimeoutS * 1000);
    }
    return {
      res,
      provider: target.provider,
      touch: () => {
        onStall = null;
        timer?.refresh();
      },
      awaitClient: (f) => {
        onStall = f;
        timer?.refresh();
      },
      abort: () => controller.abort(new GatewayAbort('client')),
      failure: (err) => mapUpstreamFailure(err, fc, true),
      dispose,
    };
  } catch (err) {
    dispose();
    throw mapUpstreamFailure(err, fc);
  } finally {
    opts.clock.upstreamMs += performance.now() - sentAt;
  }
}

/**
 * Reads a whole 2xx answer's bytes, at most MAX_UPSTREAM_BODY_BYTES (a larger one is a retryable
 * upstream failure, not read to its end).
 */
export function readAnswerBytes(up: OpenedUpstream): Promise<Uint8Array<ArrayBuffer>> {
  return readWholeAnswer(up.res, MAX_UPSTREAM_BODY_BYTES, () => answerTooLarge(up.provider));
}

/** Reads a whole body as text (see readAnswerBytes), counting the time as upstream time. */
export async function readBody(up: OpenedUpstream, clock: RequestClock): Promise<string> {
  const start = performance.now();
  try {
    return utf8.decode(await readAnswerBytes(up));
  } catch (err) {
    throw up.failure(err);
  } finally {
    clock.upstreamMs += performance.now() - start;
    up.dispose();
  }
}
