import { modelForLog } from '../routing/model-name';
import { headerValue } from '../http/header-value';
import type { AppContext } from '../context';
import { ApiError, UpstreamError } from '../errors/api-error';
import { withRequestId } from '../errors/request-id';
import type { LogRecord } from '../logging/log-record';
import type { ChatCompletion, ChatRequest } from '../providers/types';
import { routeOf, type CallModel, type RouteDecision, type RouteTarget } from '../routing';
import type { Usage } from '../usage/types';
import { buildChatLogRecord, completionText, estimateOutcome, needsEstimate, type ChatLogMeta, type ChatOutcome } from './chat-log-record';
import { executeRoute, type AttemptRecord } from './execute-route';
import { RequestClock, roundMs } from './request-clock';
import { routeChat } from './route-chat';
import { relayStream, type StreamEnd } from './stream-relay';

export interface ChatRunOptions {
  clientId?: number | null;
  /** Aborts the upstream call when it fires (the client's request signal). */
  signal?: AbortSignal;
  /** Log row endpoint; default 'chat'. */
  endpoint?: LogRecord['endpoint'];
  parentRequestId?: string | null;
  requestId?: string;
  clock?: RequestClock;
  /** Skip routing and use this decision (e.g. the classifier's call to its fixed model). */
  decision?: RouteDecision;
  /** Ask for the usage chunk on streams even when the body did not (programmatic callers). */
  forceStreamUsage?: boolean;
  /** Client headers a provider may forward (see ChatCallContext.clientHeaders). */
  clientHeaders?: Readonly<Record<string, string>>;
  /** The client's Anthropic Messages body, for a provider that takes it natively (ChatCallContext.nativeMessages). */
  nativeMessages?: unknown;
  /** The bytes that end a stream failing after its first byte; default OpenAI's error chunk + [DONE]. */
  streamErrorBytes?: (e: ApiError) => Uint8Array[];
}

interface Started {
  target: RouteTarget;
  decision: RouteDecision;
  requestId: string;
  /** x-gophergate-* response headers. */
  headers: Record<string, string>;
}
export type ChatStarted =
  | (Started & { kind: 'json'; completion: ChatCompletion; usage: Usage | null; raw: Uint8Array<ArrayBuffer> | null })
  | (Started & { kind: 'stream'; body: ReadableStream<Uint8Array>; ended: Promise<StreamEnd> });

/**
 * Logs a request refused before routing (invalid body, too large) so usage counts every
 * request of a known client, failed ones included.
 */
export function logRejectedChat(ctx: AppContext, err: unknown, body: unknown, opts: ChatRunOptions = {}): void {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const req = { model: modelForLog(b.model), messages: [], stream: b.stream === true } as unknown as ChatRequest;
  const meta = logMeta(opts, false);
  const error = ApiError.from(err);
  // The refused request's answer names its row (when the error is the one answered with).
  if (error === err) withRequestId(error, meta.requestId);
  const outcome: ChatOutcome = { req, decision: null, target: null, attempts: [], usage: null, deliveredText: '', error, overheadMs: meta.clock.overhead() };
  ctx.logSink.write(buildChatLogRecord(meta, outcome));
}

function logMeta(opts: ChatRunOptions, storeBodies: boolean): ChatLogMeta {
  return {
    requestId: opts.requestId ?? crypto.randomUUID(),
    clientId: opts.clientId ?? null,
    endpoint: opts.endpoint ?? 'chat',
    parentRequestId: opts.parentRequestId,
    clock: opts.clock ?? new RequestClock(),
    storeBodies,
  };
}

/**
 * The routing classifier's call, the one CallModel of the app: a non-stream chat completion to
 * the classifier's fixed model, logged as its own 'classifier' row under the routed request's id.
 */
export function classifierCallModel(ctx: AppContext, parentRequestId: string, clientId: number | null): CallModel {
  return async (target, messages, signal) => {
    const decision = { requested: target.modelId, targets: [target], path: [target.modelId], reason: 'classifier' };
    const r = await startChat(ctx, { model: target.modelId, messages, stream: false }, {
      decision, signal, endpoint: 'classifier', parentRequestId, clientId,
    });
    if (r.kind !== 'json') throw new Error('unreachable: non-stream request streamed');
    const content = r.completion.choices?.[0]?.message?.content;
    return { text: typeof content === 'string' ? content : '', usage: r.usage };
  };
}

/**
 * Runs one chat completion through routing, fallback and the provider layer, and logs exactly
 * one row for it. Non-stream: the parsed completion. Stream: a body ready to send (the first
 * chunk already arrived, so every failure before that was a clean error or a fallback).
 * Throws ApiError when nothing could be answered.
 */
export async function startChat(ctx: AppContext, req: ChatRequest, opts: ChatRunOptions = {}): Promise<ChatStarted> {
  const meta = logMeta(opts, ctx.config.logging.storeBodies);
  const { clock, requestId } = meta;
  const stream = req.stream === true;
  const outcome: ChatOutcome = {
    req, decision: null, target: null, attempts: [] as AttemptRecord[], usage: null, deliveredText: '', error: null, overheadMs: 0,
  };
  const log = () => {
    if (!needsEstimate(outcome)) return ctx.logSink.write(buildChatLogRecord(meta, outcome));
    // No upstream usage: the row waits for the token count (off the main thread); latency is now.
    const latencyMs = clock.elapsed();
    ctx.pendingLogWrites.track(estimateOutcome(outcome).then((u) => ctx.logSink.write(buildChatLogRecord(meta, outcome, u, latencyMs))));
  };

  try {
    const decision = opts.decision ?? (await routeChat(ctx, req, classifierCallModel(ctx, requestId, meta.clientId), opts.signal));
    outcome.decision = decision;
    const clientWantsUsage = stream && ((req.stream_options as any)?.include_usage === true || opts.forceStreamUsage === true);
    const { opened, target } = await executeRoute(
      decision,
      { ctx, req, stream, clientWantsUsage, signal: opts.signal, deps: ctx.adapterDeps, clock, clientHeaders: opts.clientHeaders, nativeMessages: opts.nativeMessages },
      outcome.attempts,
    );
    outcome.target = target;
    outcome.overheadMs = clock.overhead();
    const headers = {
      'x-gophergate-overhead-ms': String(roundMs(outcome.overheadMs)),
      'x-gophergate-model': headerValue(target.modelId),
      'x-gophergate-provider': target.provider,
      'x-gophergate-route': headerValue(routeOf(decision, target)),
      'x-request-id': requestId,
    };
    const started = { target, decision, requestId, headers };
    if (opened.kind === 'json') {
      outcome.usage = opened.usage;
      // Text is only read for an estimate (no upstream usage) or a stored body.
      if (opened.usage === null || meta.storeBodies) outcome.deliveredText = completionText(opened.completion);
      log();
      return { ...started, kind: 'json', completion: opened.completion, usage: opened.usage, raw: opened.raw };
    }
    let resolveEnded!: (e: StreamEnd) => void;
    const ended = new Promise<StreamEnd>((r) => (resolveEnded = r));
    const body = relayStream(opened, (end) => {
      outcome.usage = opened.tally.usage;
      // The delivered text is only read for an estimate (no upstream usage) or a stored body:
      // adapters may keep it as a raw sample that costs a parse to read.
      if (outcome.usage === null || meta.storeBodies) {
        outcome.deliveredText = opened.tally.deliveredText;
        outcome.deliveredChars = opened.tally.deliveredChars;
      }
      outcome.error = end.error;
      // A stream that breaks after its first byte is still the upstream failing (stall, cut,
      // error event): count it, or a provider that always dies mid-stream never opens its circuit.
      if (end.error instanceof UpstreamError && end.error.isRetryable) ctx.breakers.onFailure(target.provider, target.upstreamModel);
      else ctx.breakers.onSuccess(target.provider, target.upstreamModel);
      log();
      resolveEnded(end);
    }, opts.streamErrorBytes);
    return { ...started, kind: 'stream', body, ended };
  } catch (err) {
    outcome.error = withRequestId(ApiError.from(err), requestId);
    // The row names the last target tried, so a failing provider shows in the logs.
    const last = outcome.attempts.at(-1);
    outcome.target ??= outcome.decision?.targets.find((t) => t.provider === last?.provider && t.upstreamModel === last?.model) ?? null;
    outcome.overheadMs = clock.overhead();
    log();
    throw outcome.error;
  }
}
