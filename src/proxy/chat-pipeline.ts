import { CLASSIFIER_MAX_OUTPUT_TOKENS } from '../routing/classifier-strategy';
import { modelForLog } from '../routing/model-name';
import type { AppContext } from '../context';
import type { ApiError } from '../errors/api-error';
import type { ChatCompletion, ChatRequest, StreamTally } from '../providers/types';
import type { CallModel, RouteDecision, RouteTarget } from '../routing';
import type { Usage } from '../usage/types';
import { openAttempt, type AttemptInput } from './open-attempt';
import type { OutputCap } from './output-limit';
import { RequestClock } from './request-clock';
import { completionText, estimateDelivered, gatewayHeaders, recordFailure, recordRequest, type Delivered, type Endpoint, type RequestMeta } from './request-outcome';
import { routeChat } from './route-chat';
import { relayStream, type StreamEnd } from './stream-relay';
import { settleAnswer, walkTargets, type EarlierTries } from './walk-targets';
import { newRequestId } from './request-id';
import { asksLongContext } from './forward-headers';

/*
 * The chat request path, one pipeline:
 *   authenticate -> limits                               api/openai-request.ts (openaiPost, the /v1 prelude)
 *   route -> attempts with fallback -> relay -> record   here (startChat, top to bottom)
 * Each step returns its result; the record step (request-outcome.ts) makes the one RequestOutcome
 * and log row from them. In-process callers (Responses and Messages bridges, the classifier) start here.
 */

/** Whose request it is, for its row: the key, and the team it was admitted under (RequestMeta.teamId). */
export interface RequestOwner {
  clientId?: number | null;
  teamId?: number | null;
}

export interface ChatRunOptions extends RequestOwner {
  /** Aborts the upstream call when it fires (the client's request signal). */
  signal?: AbortSignal;
  /** Closes the client's connection: it stopped reading a stream and was dropped (see OpenUpstreamOptions.dropClient). */
  dropClient?: () => void;
  /** Log row endpoint; default 'chat'. */
  endpoint?: Endpoint;
  parentRequestId?: string | null;
  requestId?: string;
  clock?: RequestClock;
  /**
   * Told the usage the request's row bills when it is written (an estimate comes later than the
   * stream's end): the Responses bridge stores it on a response its client left.
   */
  onBilled?: (usage: Usage | null) => void;
  /** Skip routing and use this decision (e.g. the classifier's call to its fixed model). */
  decision?: RouteDecision;
  /** Ask for the usage chunk on streams even when the body did not (programmatic callers). */
  forceStreamUsage?: boolean;
  /** Client headers a provider may forward (see ChatCallContext.clientHeaders). */
  clientHeaders?: Readonly<Record<string, string>>;
  /** The client's Anthropic Messages body, for a provider that takes it natively (ChatCallContext.nativeMessages). */
  nativeMessages?: unknown;
  /** The client asked to see the model's reasoning (ChatCallContext.showReasoning). */
  showReasoning?: boolean;
  /** Tries made before this run, on the decision's earlier targets (WalkOptions.earlier): the walk goes on from them. */
  earlier?: EarlierTries | null;
  /**
   * An answer the upstream gave no usable usage for reports the estimate its row bills, counted
   * once for both: a whole answer gets it as its `usage`, a stream whose client asked for
   * include_usage ends with OpenAI's usage-only chunk carrying it (/v1/chat/completions; the
   * bridges report the estimate in their own shapes).
   */
  estimatedUsage?: boolean;
  /** The bytes that end a stream failing after its first byte; default OpenAI's error chunk + [DONE]. */
  streamErrorBytes?: (e: ApiError) => Uint8Array[];
  /** A target's own body, where it differs from the request's (AttemptInput.bodyFor). */
  bodyFor?: (target: RouteTarget) => ChatRequest | undefined;
  /** See AttemptInput.outputCap. */
  outputCap?: OutputCap;
  /** See AttemptInput.thinkingShare. */
  thinkingShare?: number;
}

interface Started {
  target: RouteTarget;
  decision: RouteDecision;
  requestId: string;
  /** x-gophergate-* response headers. */
  headers: Record<string, string>;
}
export type ChatStarted =
  | (Started & {
      kind: 'json';
      completion: ChatCompletion;
      usage: Usage | null;
      raw: Uint8Array<ArrayBuffer> | null;
    })
  | (Started & {
      kind: 'stream';
      body: ReadableStream<Uint8Array>;
      /** The whole answer's bytes when it had all arrived before the body was built (stream-relay.ts Relayed), else null. */
      whole: Uint8Array | null;
      ended: Promise<StreamEnd>;
      /**
       * The stream's tally, whose `usage` is what the upstream reported so far: a Gemini stream's
       * prompt counts (cache hits included) from its first chunk on; null from upstreams that report
       * usage only at the end. The tally itself, not a getter made for every streamed request.
       */
      tally: Readonly<Pick<StreamTally, 'usage'>>;
    });

/** Who asked, for the log row (the HTTP route and programmatic callers fill it differently). */
function chatMeta(ctx: Pick<AppContext, 'requestClock'>, opts: ChatRunOptions, modelRequested: string, stream: boolean): RequestMeta {
  return {
    requestId: opts.requestId ?? newRequestId(),
    clientId: opts.clientId ?? null,
    teamId: opts.teamId ?? null,
    endpoint: opts.endpoint ?? 'chat',
    parentRequestId: opts.parentRequestId,
    clock: opts.clock ?? new RequestClock(ctx.requestClock()),
    modelRequested,
    stream,
  };
}

/**
 * Logs a request refused before routing (invalid body, too large) so usage counts every
 * request of a known client, failed ones included.
 */
export function logRejectedChat(ctx: AppContext, err: unknown, body: unknown, opts: ChatRunOptions = {}): void {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  recordFailure(ctx, chatMeta(ctx, opts, modelForLog(b.model), b.stream === true), {}, err);
}

/**
 * The routing classifier's call, the one CallModel of the app: a non-stream chat completion to
 * the classifier's fixed model, logged as its own 'classifier' row under the routed request's id
 * (billed to its key, and to the team that request was admitted under).
 */
export function classifierCallModel(ctx: AppContext, parentRequestId: string, owner: RequestOwner): CallModel {
  const { clientId, teamId } = owner;
  return async (target, messages, signal) => {
    const decision = { requested: target.modelId, targets: [target], path: [target.modelId], reason: 'classifier' };
    const r = await startChat(ctx, { model: target.modelId, messages, stream: false, max_completion_tokens: CLASSIFIER_MAX_OUTPUT_TOKENS }, {
      decision, signal, endpoint: 'classifier', parentRequestId, clientId, teamId,
    });
    if (r.kind !== 'json') throw new Error('unreachable: non-stream request streamed');
    const content = r.completion.choices?.[0]?.message?.content;
    return { text: typeof content === 'string' ? content : '', usage: r.usage };
  };
}

/**
 * One chat completion, after the /v1 prelude authenticated and admitted it (api/openai-request.ts):
 * route -> attempts with fallback -> relay -> record, and exactly one log row whatever happens.
 * Non-stream: the parsed completion. Stream: a body ready to send (the first chunk already
 * arrived, so every failure before that was a clean error or a fallback); its row is written
 * when it ends. Throws ApiError (with the request id) when nothing could be answered.
 */
export async function startChat(ctx: AppContext, req: ChatRequest, opts: ChatRunOptions = {}): Promise<ChatStarted> {
  const stream = req.stream === true;
  const meta: RequestMeta = {
    ...chatMeta(ctx, opts, typeof req.model === 'string' ? req.model : '', stream),
    chat: req,
    storeBodies: ctx.config.logging.storeBodies,
    onBilled: opts.onBilled,
  };
  const { clock, requestId } = meta;

  // Route: the model name -> the targets to try (a classifier group makes its own logged call).
  let decision: RouteDecision;
  try {
    decision = opts.decision ?? (await routeChat(ctx, req, classifierCallModel(ctx, requestId, meta), opts.signal));
  } catch (err) {
    throw recordFailure(ctx, meta, {}, err);
  }

  // Attempts with fallback: the first target (and key) that answers, whole JSON or a stream's first chunk.
  const clientWantsUsage = stream && ((req.stream_options as any)?.include_usage === true || opts.forceStreamUsage === true);
  const input: AttemptInput = { ctx, req, stream, clientWantsUsage, signal: opts.signal, dropClient: opts.dropClient, deps: ctx.adapterDeps, clock, clientHeaders: opts.clientHeaders, nativeMessages: opts.nativeMessages, clientId: meta.clientId, showReasoning: opts.showReasoning, bodyFor: opts.bodyFor, outputCap: opts.outputCap, thinkingShare: opts.thinkingShare };
  const walk = await walkTargets(ctx, decision, (target, settings) => openAttempt(input, target, settings), {
    signal: opts.signal,
    settledOnReturn: answeredWhole,
    earlier: opts.earlier,
    requestId,
    longContext: asksLongContext(opts.clientHeaders?.['anthropic-beta']),
  });
  if (!walk.ok) throw recordFailure(ctx, meta, { decision, walk }, walk.error);

  // Relay, then record.
  const { value: opened, target } = walk;
  const overheadMs = clock.overhead();
  const started = { target, decision, requestId, headers: gatewayHeaders({ overheadMs, target, decision, requestId }) };
  if (opened.kind === 'json') {
    // Text is only read for an estimate (no upstream usage) or a stored body.
    const text = opened.usage === null || meta.storeBodies ? completionText(opened.completion) : '';
    // Estimated here once, for the answer and its row alike (the row would count it again otherwise).
    // What an answer without usage bills beside its estimated tokens (Kimi's $web_search calls).
    const billExtras = opened.billExtras;
    const usage = opened.usage ?? (opts.estimatedUsage ? await estimateDelivered(req, { usage: null, text, billExtras }, ctx.tokenCounter, target.provider).catch(() => null) : null);
    recordRequest(ctx, meta, { decision, walk, delivered: { usage, text, billExtras }, overheadMs });
    return { ...started, kind: 'json', completion: opened.completion, usage, raw: opened.raw };
  }
  let resolveEnded!: (e: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((r) => (resolveEnded = r));
  const { body, whole } = relayStream(opened, (end) => {
    // A stream that breaks after its first byte (stall, cut, error event) is the upstream failing.
    settleAnswer(ctx.breakers, target, end.error);
    recordRequest(ctx, meta, { decision, walk, delivered: streamDelivered(opened.tally, meta.storeBodies), error: end.error, overheadMs });
    resolveEnded(end);
  }, opts.streamErrorBytes, clientWantsUsage && opts.estimatedUsage === true ? req : undefined, ctx.tokenCounter, target.provider);
  return { ...started, kind: 'stream', body, whole, ended, tally: opened.tally };
}

/**
 * Whether a try's answer settles the breaker when the walk returns: a stream reports when it
 * ends (startChat), since one that dies mid-way is a failure.
 */
const answeredWhole = (o: { kind: 'json' | 'stream' }) => o.kind === 'json';

/**
 * What a finished stream delivered, read off the adapter's tally. The text goes on only for an
 * estimate (no upstream usage) or a stored body.
 */
function streamDelivered(tally: StreamTally, storeBodies: boolean | undefined): Delivered {
  const outputPending = tally.usage !== null && tally.outputPending === true;
  if (tally.usage !== null && !outputPending && !storeBodies) return { usage: tally.usage };
  return { usage: tally.usage, outputPending, text: tally.deliveredText, chars: tally.deliveredChars, billExtras: tally.billExtras, compaction: tally.compaction };
}
