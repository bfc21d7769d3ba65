import type { AppContext } from '../context';
import { adapterFor } from '../providers/registry';
import type { AdapterDeps, ChatCallContext, ChatCompletion, ChatRequest, ProviderSettings, StreamTally } from '../providers/types';
import { lastToolResultId } from '../providers/openai-compatible/reasoning-quirk';
import type { RouteTarget } from '../routing/types';
import type { BillExtras, Usage } from '../usage/types';
import type { RequestClock } from './request-clock';
import { inlineTransform, type ChunkReader } from './inline-transform';
import { readAnswerBytes, startUpstream, type OpenedUpstream } from './open-upstream';
import { notAnObject, notEventStream, notJson } from './upstream-errors';
import { clampOutputTokens, outputLimitOf, withOutputCap, type OutputCap } from './output-limit';
import { firstToolCallOnly } from '../providers/shared/one-tool-call';
import { effortWithinCap, thinkingCapOf } from '../providers/shared/capped-thinking';
import { refuseBuiltinTools } from '../providers/shared/builtin-tools';
import { customToolsAsFunctions } from '../providers/shared/custom-tools';
import { customCallsInAnswer } from '../providers/shared/custom-tool-calls';
import { customToolStream } from '../providers/shared/custom-tool-stream';

export interface AttemptInput {
  ctx: AppContext;
  req: ChatRequest;
  stream: boolean;
  clientWantsUsage: boolean;
  /** The client's request signal: its abort aborts the upstream call at once. */
  signal?: AbortSignal;
  /** Closes the client's connection: it stopped reading a stream and was dropped (see OpenUpstreamOptions.dropClient). */
  dropClient?: () => void;
  deps: AdapterDeps;
  clock: RequestClock;
  clientHeaders?: Readonly<Record<string, string>>;
  /** See ChatCallContext.nativeMessages. */
  nativeMessages?: unknown;
  /** See ChatCallContext.clientId. */
  clientId?: number | null;
  /** See ChatCallContext.showReasoning. */
  showReasoning?: boolean;
  /**
   * The body a target gets when it is not `req`: a bridge (/v1/messages) translates the client's
   * request for a provider and model, so a group's later target of another one gets the request
   * translated for itself. Undefined (the chat path), or undefined for a target: `req`.
   */
  bodyFor?: (target: RouteTarget) => ChatRequest | undefined;
  /**
   * The max_tokens a target is sent when the client named none and the key's budget affords less
   * than the default (limits/budget-output-cap.ts: per target, at its own prices).
   */
  outputCap?: OutputCap;
  /**
   * The share of its output the client gave thinking (a Messages request's budget_tokens /
   * max_tokens): a capped target's thinking keeps it (capped-thinking.ts). Unset: none named.
   */
  thinkingShare?: number;
}

export interface JsonAttempt {
  kind: 'json';
  completion: ChatCompletion;
  usage: Usage | null;
  /** What it bills beside its tokens when `usage` is null (they are estimated): its fees, its tier. */
  billExtras?: BillExtras;
  /** The upstream's bytes when the completion is them unchanged (sent as they are), else null. */
  raw: Uint8Array<ArrayBuffer> | null;
}

const utf8 = new TextDecoder();

/** A stream whose first chunk has arrived (so nothing has reached the client yet). */
export interface StreamAttempt {
  kind: 'stream';
  first: Uint8Array;
  reader: ChunkReader;
  tally: StreamTally;
  /**
   * The upstream call: `touch()` before every read (restarts the idle timer), `awaitClient` once a
   * chunk was handed on, `abort()` when the client went away, `failure(err)` maps an error thrown
   * by reader.read() to the error event the client gets, `dispose()` once when the stream is over.
   */
  upstream: OpenedUpstream;
}

/**
 * One try at one target, with the provider's settings carrying the key this try uses
 * (walkTargets): build the call, send it under the header timeout, and read until there is
 * something to answer with (the whole JSON, or the first stream chunk). Throws an ApiError
 * (UpstreamError for upstream failures, whose isRetryable drives fallback). `a` is the same for
 * every try of a request. `relearned`: this is the try made again after the adapter learned from
 * the first one's failure (ProviderAdapter.learnFrom), which is not made a third time.
 */
export async function openAttempt(a: AttemptInput, target: RouteTarget, settings: ProviderSettings, relearned = false): Promise<JsonAttempt | StreamAttempt> {
  const { ctx, clock } = a;
  const asked = (a.bodyFor && a.bodyFor(target)) || a.req;
  const adapter = adapterFor(target.provider);
  // Custom (freeform) tools and calls go as functions to an upstream without them; their calls come back custom.
  const custom = adapter.customTools === 'native' ? null : customToolsAsFunctions(asked);
  const req = custom?.req ?? asked;
  const customNames = custom?.names.size ? custom.names : null;
  // Each target gets the output the client asked for, at most what its model writes (one 8K model in a group lowers only its own call).
  const limit = adapter.outputLimit ? adapter.outputLimit(req, outputLimitOf(target)) : outputLimitOf(target);
  // A small budget's cap at this target's prices: a Messages request's max_tokens is a ceiling it lowers.
  const cap = a.outputCap?.(target);
  // `max_tokens`: every adapter reads it (OpenAI's reasoning models get it as max_completion_tokens).
  let sent = withOutputCap(req, cap, 'max_tokens');
  // The cap lowered this target's output: its thinking is fitted below it, with room for an answer.
  const thinkingCap = sent !== req ? thinkingCapOf(Math.min(cap!, limit ?? Infinity), a.thinkingShare) : undefined;
  if (thinkingCap !== undefined) sent = effortWithinCap(sent, thinkingCap, target);
  const callCtx: ChatCallContext = {
    model: target.upstreamModel, stream: a.stream, clientWantsUsage: a.clientWantsUsage,
    clientHeaders: a.clientHeaders, apiKey: settings.apiKey, nativeMessages: a.nativeMessages && clampOutputTokens(withOutputCap(a.nativeMessages, cap, 'max_tokens'), limit), reasoning: a.deps.reasoning, clientId: a.clientId, showReasoning: a.showReasoning,
    maxOutputTokens: limit, tools: req.tools, followsToolCall: lastToolResultId(req.messages),
    oneToolCall: req.parallel_tool_calls === false, thinkingCap, responsesOnly: a.deps.responsesOnly,
  };
  if (!adapter.builtinTools) refuseBuiltinTools(req, target.provider);
  const call = await adapter.buildChatCall(clampOutputTokens(sent, limit), callCtx, settings, depsFor(a.deps, a.signal));

  // A whole JSON answer stays under the header timeout; a stream is timed by its silences. The
  // head is awaited here, not in openUpstream: one async function fewer waits with each request.
  const up = startUpstream(ctx, target, call, { signal: a.signal, dropClient: a.dropClient, clock, bodyTimeout: a.stream ? 'idle' : 'header', smallJson: !a.stream, apiKey: settings.apiKey });
  let tally: StreamTally | null = null;
  /** A whole answer's body was being read when the try failed: the provider made it (and bills it). */
  let readingBody = false;
  try {
    const refused = up.headIn(await up.answer);
    if (refused) throw await refused;
    if (!a.stream) {
      readingBody = true;
      const bytes = await readAnswerBytes(up);
      readingBody = false;
      const body = parseAnswer(target.provider, bytes);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw notAnObject(target.provider, body);
      const { completion, usage, verbatim, billExtras } = adapter.parseChatResponse(body, callCtx);
      up.dispose();
      // Calls past the first the client forbade (an upstream without the switch made them): the bytes changed.
      const cut = callCtx.oneToolCall === true && firstToolCallOnly(completion);
      const customCalls = customNames !== null && customCallsInAnswer(completion, customNames);
      return { kind: 'json', completion, usage, billExtras, raw: verbatim && !cut && !customCalls ? bytes : null };
    }

    tally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
    const chunks = adapter.chatStream(callCtx, tally);
    const reader = inlineTransform(up.res.body!.getReader(), customNames ? customToolStream(chunks, customNames) : chunks, up);
    let first: ReadableStreamReadResult<Uint8Array>;
    try {
      first = await reader.read();
    } catch (err) {
      throw notEventStream(target.provider, up.res.headers.get('content-type'), err);
    }
    if (first.done) throw new Error('empty stream');
    up.touch();
    return { kind: 'stream', first: first.value, reader, tally, upstream: up };
  } catch (err) {
    up.dispose();
    const e = up.failure(err);
    // An adapter that read a failed answer's usage (Gemini's failed turn) said what it bills.
    e.spent = spentBy(tally, readingBody) ?? e.spent;
    // The failure taught the adapter how to call this model (OpenAI's 404 for a Responses-only one): once more, at once.
    if (relearned || !adapter.learnFrom?.(e, callCtx)) throw e;
  } finally {
    up.countUpstreamTime();
  }
  return openAttempt(a, target, settings, true);
}

/**
 * A whole answer's JSON. One that is not JSON is the upstream's broken answer (notJson: counted
 * on the model's circuit), not a connection that broke off (`upstream_unreachable`, which counts
 * against the whole provider's).
 */
function parseAnswer(provider: RouteTarget['provider'], bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    throw notJson(provider);
  }
}

/**
 * What a try that failed after its 2xx answer had produced, for the bill (see ApiError.spent): a
 * whole answer cut while its body was read was made in full (its usage, at the end, is lost: the
 * prompt is estimated); a stream that broke before its first chunk reached the client, the usage
 * or text it had sent. Nothing when nothing was seen (an error event as the first thing, an empty
 * stream, a body that is not JSON): the provider made no answer.
 */
function spentBy(tally: StreamTally | null, readingBody: boolean) {
  if (readingBody) return { usage: null, text: '' };
  if (!tally || (tally.usage === null && tally.deliveredText === '')) return undefined;
  return { usage: tally.usage, outputPending: tally.outputPending === true, text: tally.deliveredText, chars: tally.deliveredChars, billExtras: tally.billExtras };
}

/**
 * The adapter's deps for one try: image and document downloads made while building the call stop
 * when the client goes away. Methods on a class, so a try makes one object and no closures (whose
 * scope would be openAttempt's, which lives while the try waits on its upstream).
 */
class SignalledDeps implements AdapterDeps {
  readonly mock: AdapterDeps['mock'];
  readonly reasoning: AdapterDeps['reasoning'];
  readonly responsesOnly: AdapterDeps['responsesOnly'];
  constructor(
    private readonly deps: AdapterDeps,
    private readonly signal: AbortSignal,
  ) {
    this.mock = deps.mock;
    this.reasoning = deps.reasoning;
    this.responsesOnly = deps.responsesOnly;
  }
  fetchImage(url: string, s?: AbortSignal) {
    return this.deps.fetchImage(url, s ?? this.signal);
  }
  fetchDocument(url: string, s?: AbortSignal) {
    return this.deps.fetchDocument(url, s ?? this.signal);
  }
}

const depsFor = (deps: AdapterDeps, signal: AbortSignal | undefined): AdapterDeps => (signal ? new SignalledDeps(deps, signal) : deps);
