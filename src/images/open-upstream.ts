import type { AppContext } from '../context';
import { adapterFor } from '../providers/registry';
import type { UpstreamCall } from '../providers/types';
import { GatewayAbort, errorFromUpstreamResponse, mapUpstreamFailure } from '../proxy/upstream-errors';
import type { RequestClock } from '../proxy/request-clock';
import type { RouteTarget } from '../routing/types';
import type { ApiError } from '../errors/api-error';

/** An upstream answer with a 2xx status, its timers still running until `dispose`. */
export interface OpenedUpstream {
  res: Response;
  /** Restarts the idle timer (call after each streamed chunk). */
  touch(): void;
  /** Aborts the upstream call (the client went away). */
  abort(): void;
  /** Maps an error thrown while reading the body to the client's error. */
  failure(err: unknown): ApiError;
  dispose(): void;
}

/**
 * Sends a fully built call that is not a chat completion (images, OpenAI Responses pass-through)
 * with the same header timeout, idle timeout, client-abort wiring and error mapping as the chat
 * proxy. Throws ApiError (UpstreamError for upstream failures, driving fallback).
 */
export async function openUpstream(
  ctx: AppContext,
  target: RouteTarget,
  call: UpstreamCall,
  opts: { signal?: AbortSignal; clock: RequestClock },
): Promise<OpenedUpstream> {
  const settings = ctx.state.getSnapshot().providers.get(target.provider);
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(new GatewayAbort('client'));
  if (opts.signal?.aborted) onClientAbort();
  opts.signal?.addEventListener('abort', onClientAbort, { once: true });
  const { timeoutS, idleTimeoutS } = ctx.config.upstream;
  const fc = { provider: target.provider, signal: controller.signal, timeoutS, idleTimeoutS, apiKey: settings?.apiKey };
  let timer: Timer | null = setTimeout(() => controller.abort(new GatewayAbort('timeout')), timeoutS * 1000);
  const dispose = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    opts.signal?.removeEventListener('abort', onClientAbort);
  };
  const sentAt = performance.now();
  try {
    const transport = adapterFor(target.provider).transport;
    const res = transport
      ? await transport(call, controller.signal)
      : await fetch(call.url, { method: call.method, headers: call.headers, body: call.body, signal: controller.signal });
    opts.clock.ttfbMs = performance.now() - sentAt;
    if (!res.ok) throw await errorFromUpstreamResponse(target.provider, res, settings?.apiKey);
    // Headers are in: from here on silence between chunks is what times out.
    clearTimeout(timer!);
    timer = setTimeout(() => controller.abort(new GatewayAbort('idle')), idleTimeoutS * 1000);
    return {
      res,
      touch: () => timer?.refresh(),
      abort: () => controller.abort(new GatewayAbort('client')),
      failure: (err) => mapUpstreamFailure(err, fc),
      dispose,
    };
  } catch (err) {
    dispose();
    throw mapUpstreamFailure(err, fc);
  } finally {
    opts.clock.upstreamMs += performance.now() - sentAt;
  }
}

/** Reads a whole body as text, counting the time as upstream time. */
export async function readBody(up: OpenedUpstream, clock: RequestClock): Promise<string> {
  const start = performance.now();
  try {
    return await up.res.text();
  } catch (err) {
    throw up.failure(err);
  } finally {
    clock.upstreamMs += performance.now() - start;
    up.dispose();
  }
}
