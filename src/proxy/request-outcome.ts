import type { AppContext } from '../context';
import { anthropicStatus, ApiError } from '../errors/api-error';
import { withRequestId } from '../errors/request-id';
import { headerValue, headerValueCapped } from '../http/header-value';
import type { LogRow } from '../logging/log-row';
import type { ChatCompletion, ChatRequest, ProviderId } from '../providers/types';
import { searchResultTokens } from '../providers/moonshot/kimi-web-search';
import { isUnpricedTarget } from '../routing/resolve-concrete';
import { routeOf } from '../routing/route-of';
import type { RouteDecision, RouteTarget } from '../routing/types';
import type { ModelPrices } from '../usage/price-types';
import { computeCost } from '../usage/cost';
import { pricesAt } from '../usage/time-of-day-prices';
import { estimateOutput, estimateUsage, scaledOutput, withCompactionEstimate, type MessageLike } from '../usage/estimate-usage';
import type { TokenCounter } from '../usage/token-counter';
import { ZERO_USAGE, type BillExtras, type Usage } from '../usage/types';
import { roundMs, type RequestClock } from './request-clock';
import { logMessageOf } from './upstream-redirect';
import { callerStoppedWaiting } from './upstream-errors';
import type { AttemptRecord, SpentTry } from './walk-targets';

// The record step of every request (chat, messages, responses, images, embeddings, count_tokens):
// the steps' results -> one RequestOutcome -> one log row.

/** The log row's endpoint: which API the request came in by. */
export type Endpoint = LogRow['endpoint'];

/** Who asked and when: known before the first step runs (the HTTP prelude or a programmatic caller). */
export interface RequestMeta {
  requestId: string;
  clientId: number | null;
  /**
   * The team the request was admitted under (the key's team as authenticated; a classifier call's,
   * the request it routed): the row is billed there even when the key moves meanwhile. Null: none.
   */
  teamId: number | null;
  endpoint: Endpoint;
  /** Set on a classifier call: the request it routed. */
  parentRequestId?: string | null;
  clock: RequestClock;
  modelRequested: string;
  stream: boolean;
  /** The chat request: its prompt is estimated when the upstream reports no usage, and stored with storeBodies. */
  chat?: ChatRequest;
  /**
   * Another endpoint's prompt estimate (embeddings' inputs, an image prompt), for a try the client
   * abandoned after it was sent (its prompt is billed): set on the failure path only.
   */
  promptTokens?: (counter: TokenCounter) => Promise<number>;
  storeBodies?: boolean;
  /**
   * The error shape the client reads, where its endpoint's name does not say it: `openai` for
   * /v1/responses/input_tokens, logged as `count_tokens` beside Anthropic's count, whose row says
   * an upstream 503 as Anthropic's 529.
   */
  errorShape?: 'openai';
  /** Told the usage the row bills, once it is written (ChatRunOptions.onBilled). */
  onBilled?: (usage: Usage | null) => void;
}

/** What the answer delivered. */
export interface Delivered {
  /** The upstream's usage; null when it gave none (a chat answer's tokens are then estimated). */
  usage: Usage | null;
  /** `usage`'s output count is not final (StreamTally.outputPending): it is estimated from `text`. */
  outputPending?: boolean;
  /** The delivered text: read only for an estimate or a stored body. */
  text?: string;
  /** Characters delivered in all, when `text` is only a sample (see tallyText). */
  chars?: number;
  /** What the answer bills beside its tokens (a stream's tier and per-request fees): kept by a token estimate. */
  billExtras?: BillExtras;
  /** The summary of a server-side compaction step the stream showed (StreamTally.compaction): estimated when its usage did not count it. */
  compaction?: string;
  images?: number;
  /** `images` in units of the model's per-image price (a large or HD image bills as several); unset: `images`. */
  imageUnits?: number;
}

/** The steps' results, as far as the request got: what its outcome is made from. */
export interface StepResults {
  decision?: RouteDecision | null;
  /** The attempts with fallback: every try, and the target that answered (or was tried last). */
  walk?: { target: RouteTarget | null; attempts: readonly AttemptRecord[]; spent?: readonly SpentTry[] } | null;
  delivered?: Delivered | null;
  error?: ApiError | null;
  /** The gateway's own time when the answer's headers went out or the request failed (streams: the rest is the client's and upstream's pace). */
  overheadMs: number;
  /** The latency, when the row is written after the request ended (a followed background response); unset: taken at recording. */
  latencyMs?: number;
}

/** What happened to one request; its log row is made from this alone. */
export interface RequestOutcome {
  readonly meta: RequestMeta;
  readonly decision: RouteDecision | null;
  readonly target: RouteTarget | null;
  readonly attempts: readonly AttemptRecord[];
  /** The upstream's usage, or the estimate where it gave none; null when no upstream was reached. */
  readonly usage: Usage | null;
  readonly images: number;
  /** The images as billed, in units of the per-image price. */
  readonly imageUnits: number;
  readonly deliveredText: string;
  /** Failed tries the providers bill all the same (their answer had begun), with their usage and cost. */
  readonly spent: readonly SpentCost[];
  readonly error: ApiError | null;
  /** Milliseconds: in all, the gateway's own, upstream time to first byte, waiting for an upstream slot. */
  readonly timings: { readonly latencyMs: number; readonly overheadMs: number; readonly ttfbMs: number | null; readonly queueMs: number };
}

/** A failed try the provider bills: its usage, what it is charged (chargedUsd) and what the price table makes of it. */
interface SpentCost { attempt: number; usage: Usage; imageUnits: number; costUsd: number; computedUsd: number }

/**
 * The price table's figure for one answer (computeCost, at the prices in force at `startedAt`, the
 * request's start: a model's time-of-day prices go by when the request was made, as DeepSeek
 * bills); 0 with no known price or nothing billed.
 */
function computedUsdOf(usage: Usage | null, prices: ModelPrices | undefined, imageUnits: number, startedAt: number): number {
  const billed = usage ?? (imageUnits ? ZERO_USAGE : null);
  return prices && billed ? computeCost(billed, pricesAt(prices, startedAt), imageUnits) : 0;
}

/**
 * One answer's charge, the row's and the budget's: what the upstream said it billed when it said so
 * (usage.providerCostUsd: xAI's cost_in_usd_ticks, the amount on its invoice, after discounts and
 * tool fees the price table may not know), else the price table's figure `computedUsd`. Two plain
 * numbers, no result object per request.
 */
function chargedUsd(usage: Usage | null, computedUsd: number): number {
  return usage?.providerCostUsd ?? computedUsd;
}

/** The one place a request's outcome is assembled, from its steps' results. */
function requestOutcome(meta: RequestMeta, s: StepResults, estimate: Usage | null, latencyMs: number, spentUsage: readonly Usage[] = []): RequestOutcome {
  const target = s.walk?.target ?? null;
  const spent = (s.walk?.spent ?? []).map((t, i) => {
    const usage = spentUsage[i] ?? ZERO_USAGE;
    const imageUnits = t.answer.imageUnits ?? 0;
    const computedUsd = computedUsdOf(usage, t.target.entry?.prices, imageUnits, meta.clock.createdAt);
    return { attempt: t.attempt, usage, imageUnits, costUsd: chargedUsd(usage, computedUsd), computedUsd };
  });
  return {
    meta,
    decision: s.decision ?? null,
    target,
    attempts: s.walk?.attempts ?? [],
    usage: target === null ? null : (estimate ?? s.delivered?.usage ?? null),
    images: s.delivered?.images ?? 0,
    imageUnits: s.delivered?.imageUnits ?? s.delivered?.images ?? 0,
    deliveredText: s.delivered?.text ?? '',
    spent,
    error: s.error ?? null,
    timings: { latencyMs, overheadMs: s.overheadMs, ttfbMs: meta.clock.ttfbMs, queueMs: meta.clock.queueMs },
  };
}

/** The one accounting row of a request, whatever its endpoint and outcome. */
function toLogRow(o: RequestOutcome): LogRow {
  const { meta, usage, error, timings } = o;
  const computedUsd = computedUsdOf(usage, o.target?.entry?.prices, o.imageUnits, meta.clock.createdAt);
  const providerUsd = usage?.providerCostUsd;
  // The billed failed tries, summed in one pass (no closures or arrays per request on the hot path).
  let spentUsd = 0;
  let spentComputedUsd = 0;
  let spentReportedUsd = 0;
  let reported = providerUsd !== undefined;
  for (const t of o.spent) {
    spentUsd += t.costUsd;
    spentComputedUsd += t.computedUsd;
    if (t.usage.providerCostUsd === undefined) continue;
    reported = true;
    spentReportedUsd += t.usage.providerCostUsd;
  }
  return {
    createdAt: meta.clock.createdAt,
    requestId: meta.requestId,
    parentRequestId: meta.parentRequestId ?? null,
    clientId: meta.clientId,
    teamId: meta.teamId,
    endpoint: meta.endpoint,
    modelRequested: meta.modelRequested,
    model: o.target?.modelId ?? null,
    provider: o.target?.provider ?? null,
    route: o.decision ? routeOf(o.decision, o.target) : null,
    attempts: o.attempts.length > 1 || o.spent.length > 0 ? JSON.stringify(attemptsBilled(o)) : null,
    providerKeyId: o.attempts.at(-1)?.keyId ?? null,
    stream: meta.stream,
    // Anthropic-dialect clients get an upstream 529 as 529 (anthropic-errors.ts): the row says so.
    status: error ? (meta.endpoint === 'messages' || (meta.endpoint === 'count_tokens' && meta.errorShape !== 'openai') ? anthropicStatus(error) : error.status) : 200,
    errorType: error ? (error.code ?? error.type) : null,
    error: error ? logMessageOf(error) : null,
    promptTokens: usage?.input ?? 0,
    cachedTokens: usage?.cachedInput ?? 0,
    completionTokens: usage?.output ?? 0,
    reasoningTokens: usage?.reasoning ?? 0,
    images: o.images,
    estimated: usage?.estimated === true || o.spent.some((t) => t.usage.estimated === true || t.imageUnits > 0),
    // A failed try the provider bills (its answer had begun) counts in the request's cost, so spend and budgets match the providers' bills.
    // The provider's own figure where it gave one (xAI's cost_in_usd_ticks), else the price table's.
    costUsd: chargedUsd(usage, computedUsd) + spentUsd,
    // Tokens were used at a price nobody knows: the row's $0 is not a cost (and no budget counted it).
    // An upstream that said what it billed made its cost known.
    costUnknown: !!o.target && !!(usage || o.imageUnits) && isUnpricedTarget(o.target) && providerUsd === undefined,
    providerCostUsd: reported ? (providerUsd ?? 0) + spentReportedUsd : null,
    computedCostUsd: computedUsd + spentComputedUsd,
    latencyMs: roundMs(timings.latencyMs),
    ttfbMs: timings.ttfbMs === null ? null : roundMs(timings.ttfbMs),
    overheadMs: roundMs(timings.overheadMs),
    queueMs: roundMs(timings.queueMs),
    body: meta.storeBodies ? JSON.stringify({ request: meta.chat, response: o.deliveredText }) : null,
    cacheWriteTokens: usage?.cacheWrite ?? 0,
  };
}

/** The tries as the row's `attempts` JSON: a failed try the provider bills carries `billed` (its tokens and cost, in the row's cost). */
function attemptsBilled(o: RequestOutcome): readonly unknown[] {
  if (o.spent.length === 0) return o.attempts;
  return o.attempts.map((a, i) => {
    const t = o.spent.find((x) => x.attempt === i);
    if (!t) return a;
    const billed = { prompt_tokens: t.usage.input, completion_tokens: t.usage.output, ...(t.imageUnits ? { image_units: t.imageUnits } : {}), cost_usd: t.costUsd, estimated: t.usage.estimated === true || t.imageUnits > 0 };
    return { ...a, billed };
  });
}

/** What recording a request uses of the app: the sink, the pending estimates, the limits, the token counter. */
export type RecordDeps = Pick<AppContext, 'logSink' | 'pendingLogWrites' | 'limits' | 'tokenCounter'>;

/**
 * The last step of every request: its one log row. A chat answer whose upstream reported no
 * usage waits for the tokenizer's estimate of prompt + delivered text (off the main thread); its
 * latency is taken now, when the request ended.
 */
export function recordRequest(ctx: RecordDeps, meta: RequestMeta, results: StepResults): void {
  const steps = abandonedTryBilled(results);
  const latencyMs = steps.latencyMs ?? meta.clock.elapsed();
  const d = steps.delivered;
  // An upstream answered without usage: a chat row bills the estimate (a failed stream only what it
  // delivered, unless the client left: the provider had the prompt, and bills it).
  const owed = d && d.usage === null && steps.walk?.target && (!steps.error || (d.text ?? '').length > 0 || callerStoppedWaiting(steps.error));
  const estimate = owed && (meta.chat || meta.promptTokens);
  // A stream cut after its prompt counts but before its output count: the output is what was delivered.
  const outputOnly = d?.usage && d.outputPending && ((d.text ?? '').length > 0 || d.compaction !== undefined);
  const spent = steps.walk?.spent ?? [];
  if (!estimate && !outputOnly && spent.length === 0) return writeRow(ctx, requestOutcome(meta, steps, null, latencyMs));
  // The request has ended: its max_parallel slot is free now, not when the estimate comes (the
  // token counter's first start takes seconds); its cost and tokens settle with the row.
  ctx.limits.requestEnded(meta.requestId);
  const estimated = outputOnly
    ? estimateOutputDelivered(d.usage!, d, ctx.tokenCounter, meta.chat)
    : estimate
      ? meta.chat
        ? estimateDelivered(meta.chat, d!, ctx.tokenCounter, steps.walk?.target?.provider)
        : promptOnly(meta.promptTokens!, ctx.tokenCounter)
      : Promise.resolve(null);
  const spentUsage = Promise.all(spent.map((t) => spentTryUsage(meta.chat, t, ctx.tokenCounter)));
  ctx.pendingLogWrites.track(
    Promise.all([estimated, spentUsage]).then(([u, su]) => writeRow(ctx, requestOutcome(meta, steps, u, latencyMs, su))),
  );
}

/** Writes the request's one row, and tells the caller that asked (RequestMeta.onBilled) what it bills. */
function writeRow(ctx: RecordDeps, o: RequestOutcome): void {
  ctx.logSink.write(toLogRow(o));
  o.meta.onBilled?.(o.usage);
}

/**
 * A request the client left (499), or a classifier call routing gave up on (504 classifier_timeout),
 * while its last try was out at the provider (sent, its head
 * awaited, its body read: open-upstream.ts `failure`, open-attempt.ts `spentBy`): that try is the
 * request's own usage, not a failed try beside it, so the row's tokens (which TPM settles with)
 * and cost are its estimate. Other outcomes are returned as they are.
 */
function abandonedTryBilled(s: StepResults): StepResults {
  const walk = s.walk;
  const last = walk?.spent?.at(-1);
  if (!s.error || !callerStoppedWaiting(s.error) || s.delivered || !walk || !last || last.attempt !== walk.attempts.length - 1) return s;
  const a = last.answer;
  const delivered: Delivered = { usage: a.usage, outputPending: a.outputPending, text: a.text, chars: a.chars, billExtras: a.billExtras, imageUnits: a.imageUnits };
  return { ...s, walk: { ...walk, target: last.target, spent: walk.spent!.slice(0, -1) }, delivered };
}

/** A prompt's estimate alone (nothing delivered), for an endpoint other than chat. */
async function promptOnly(count: (counter: TokenCounter) => Promise<number>, counter: TokenCounter): Promise<Usage> {
  return { input: await count(counter), cachedInput: 0, output: 0, reasoning: 0, estimated: true };
}

/** A failed try's bill: the usage it reported (its output estimated when only a placeholder came), else the prompt and its text, estimated. */
function spentTryUsage(chat: ChatRequest | undefined, t: SpentTry, counter: TokenCounter): Promise<Usage> {
  const a = t.answer;
  const d: Delivered = { usage: a.usage, outputPending: a.outputPending, text: a.text, chars: a.chars, billExtras: a.billExtras };
  if (a.usage) return a.outputPending && a.text ? estimateOutputDelivered(a.usage, d, counter) : Promise.resolve(a.usage);
  return chat ? estimateDelivered(chat, d, counter, t.target.provider) : Promise.resolve(ZERO_USAGE);
}

/** Records a request that failed at a step, and returns its error (named by the request id) to throw. */
export function recordFailure(ctx: RecordDeps, meta: RequestMeta, steps: Omit<StepResults, 'error' | 'overheadMs'>, err: unknown): ApiError {
  const error = withRequestId(ApiError.from(err), meta.requestId);
  const overheadMs = meta.clock.overhead();
  // Routing chose (an upstream's 429 or 500 relayed, a retry the budget could not hold): the answer
  // says where it went, as a success's does; its own headers (retry-after) are kept.
  const target = steps.walk?.target;
  if (steps.decision && target) for (const [k, v] of Object.entries(gatewayHeaders({ overheadMs, target, decision: steps.decision, requestId: meta.requestId }))) error.headers[k] ??= v;
  recordRequest(ctx, meta, { ...steps, error, overheadMs });
  return error;
}

/**
 * Tokenizer estimate of prompt + delivered text; a sampled stream's output is scaled up to its full
 * length. `provider`: the target's, where its bill differs from the body's tokens.
 */
export async function estimateDelivered(chat: ChatRequest, d: Delivered, counter: TokenCounter, provider?: ProviderId): Promise<Usage> {
  const text = d.text ?? '';
  // The tool definitions count: providers bill them as prompt tokens (and the answers' estimates count them).
  const u = await estimateUsage(Array.isArray(chat.messages) ? (chat.messages as any[]) : [], text, counter, chat.tools);
  // Kimi bills a `$web_search` result's content as prompt tokens the body shows a few bytes of: the tokens each result states.
  if (provider === 'moonshot') u.input += searchResultTokens(chat);
  u.output = scaledToDelivered(u.output, d);
  // The tokens are counted here; the tier and the fees are what the stream said before it was cut.
  return { ...u, ...d.billExtras };
}

/**
 * The upstream's prompt counts (cache reads and writes included) with the delivered text's output,
 * and what the stream showed it bills beside them where the upstream's counts do not say it yet
 * (Anthropic's web searches and compaction step, counted only by the message_delta that did not come).
 */
async function estimateOutputDelivered(upstream: Usage, d: Delivered, counter: TokenCounter, chat?: ChatRequest): Promise<Usage> {
  const u = { ...d.billExtras, ...(await estimateOutput(upstream, d.text ?? '', counter, (n) => scaledToDelivered(n, d))) };
  if (d.compaction === undefined || !chat) return u;
  return withCompactionEstimate(u, Array.isArray(chat.messages) ? (chat.messages as MessageLike[]) : [], d.compaction, counter);
}

/** An output count of a sampled text (tallyText keeps only the first part) scaled up to all that was delivered. */
const scaledToDelivered = (output: number, d: Delivered): number => scaledOutput(output, { deliveredText: d.text ?? '', deliveredChars: d.chars });

/** Text a non-stream completion delivered, for estimating when the upstream gave no usage. */
export function completionText(c: ChatCompletion): string {
  let text = '';
  // The upstream's answer, read loosely: only text counts (`+` on an object with its own
  // non-function toString key throws, as does `for…of` on a non-array).
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  for (const choice of Array.isArray(c.choices) ? c.choices : []) {
    const m: any = choice?.message;
    text += str(m?.content) + str(m?.reasoning_content);
    for (const call of Array.isArray(m?.tool_calls) ? m.tool_calls : []) text += str(call?.function?.name) + str(call?.function?.arguments);
  }
  return text;
}

/** Longest `x-gophergate-route-reason` as sent (encoded): a classifier's error text can be long; a header should not be. */
const ROUTE_REASON_MAX_CHARS = 512;

/**
 * The x-gophergate-* headers every answer carries; a model group's answer adds why its route was
 * chosen (`x-gophergate-route-reason`: the classifier's score, or that it failed and the heuristic
 * decided, and the rules that fired).
 */
export function gatewayHeaders(o: { overheadMs: number; target: RouteTarget; decision: RouteDecision; requestId: string }): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gophergate-overhead-ms': String(roundMs(o.overheadMs)),
    'x-gophergate-model': headerValue(o.target.modelId),
    'x-gophergate-provider': o.target.provider,
    'x-gophergate-route': headerValue(routeOf(o.decision, o.target)),
    'x-request-id': o.requestId,
  };
  const reason = o.decision.path.length > 1 ? o.decision.reason : '';
  if (reason) headers['x-gophergate-route-reason'] = headerValueCapped(reason, ROUTE_REASON_MAX_CHARS);
  return headers;
}
