import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import { keyExpired } from '../auth/client-auth';
import type { LogRow } from '../logging/log-row';
import { roundMs, type RequestClock } from '../proxy/request-clock';
import type { ClientEntry } from '../state/snapshot-types';
import { isRouteAllowed } from './allow-list';
import { hostedToolModels, toolModelNotAllowed, type ToolModel } from './tool-models';
import { claudeModelAlias } from '../messages/claude-model-alias';
import { MAX_MODEL_CHARS, modelForLog } from '../routing/model-name';
import type { Admission } from './limit-counters';
import type { RefusalCode } from './limits-service';
import { anthropicRateHeaders } from './anthropic-rate-headers';
import { rateHeaders, type RateInfo } from './rate-headers';
import { tpmTokensOf, worstCaseOf } from './worst-case';
import type { LimitedEndpoint } from './limit-types';
import { largestCap, minimumOutput, outputCapOf } from './budget-output-cap';
import type { OutputCap } from '../proxy/output-limit';
import { withBetaWindow } from './worst-prices';
import { LimitsUnavailableError } from './limits-unavailable';
import { periodEnd } from './budget-period';
import { ownCopy } from '../runtime/own-copy';

/** What an admitted request of a limited key carries to its answer. */
export interface LimitGrant {
  /**
   * `x-ratelimit-*` headers, and on /v1/messages and count_tokens Anthropic's `anthropic-ratelimit-*`
   * too (empty when no RPM or TPM limit applies).
   */
  headers: Record<string, string>;
  /**
   * The max_tokens each target is sent, for a request admitted with less than its output's worst
   * case because its budget had less room (budget-output-cap.ts): one that named none, or on
   * /v1/messages one whose max_tokens is above it.
   */
  outputCap?: OutputCap;
}

export interface AdmitArgs {
  request: Request;
  /** The request body as parsed (before endpoint validation narrowed it). */
  body: unknown;
  requestId: string;
  clock: RequestClock;
  /** The limits' clock when the request started (before its body arrived): the budget period it is billed to (admission's time when left out). */
  startedAt?: number;
}

const ENDPOINTS: [string, LimitedEndpoint][] = [
  ['/v1/chat/completions', 'chat'],
  ['/v1/responses/input_tokens', 'input_tokens'],
  ['/v1/responses', 'responses'],
  ['/v1/images/generations', 'images'],
  ['/v1/messages/count_tokens', 'count_tokens'],
  ['/v1/messages', 'messages'],
  ['/v1/embeddings', 'embeddings'],
];

function endpointOf(url: string): LimitedEndpoint {
  // The path starts at the first '/' after the scheme's '//' (a URL object costs ~1 µs more).
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  for (const [p, e] of ENDPOINTS) if (path.startsWith(p)) return e;
  return 'chat';
}

/** Anthropic's Messages endpoints: their clients read Anthropic's names and ask for Claude Code's model ids. */
const isMessagesEndpoint = (endpoint: LimitedEndpoint) => endpoint === 'messages' || endpoint === 'count_tokens';

/**
 * The rate headers of an answer or refusal: OpenAI's on every endpoint; Anthropic's clients read
 * their own names, so the Messages endpoints add those (a client ignores the other API's).
 */
function limitHeaders(endpoint: LimitedEndpoint, rate: RateInfo, now: number): Record<string, string> {
  const h = rateHeaders(rate);
  return isMessagesEndpoint(endpoint) ? { ...h, ...anthropicRateHeaders(rate, now) } : h;
}

/** Seconds for `retry-after` (whole, rounded up, at least 1). */
const retrySeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * A model name as a refusal says it: at most MAX_MODEL_CHARS characters, in a string of its own.
 * The /v1 POSTs refuse a longer name before the limits run; this holds for any caller that does not.
 */
const shown = (model: string) => (model.length > MAX_MODEL_CHARS ? ownCopy(`${model.slice(0, MAX_MODEL_CHARS)}…`) : model);

const NO_TOOLS: ToolModel[] = [];

/** 403 for a hosted tool (image generation) whose model the key's or team's list does not allow. */
const toolNotAllowed = (tool: ToolModel, scope: string) =>
  new ApiError({
    status: 403,
    message: `The image generation tool's model '${shown(tool.model)}'${tool.named ? '' : ' (its default: the tool names none)'} is not allowed for ${scope}.`,
    type: 'permission_error',
    code: 'model_not_allowed',
    param: tool.param,
  });

/** 403 for a budgeted key or team asking for a model whose cost could not be counted. */
function modelNotPriced(model: string, unpriced: string, scope: string): ApiError {
  const what = unpriced === model ? `The model '${shown(model)}' has` : `The model '${shown(model)}' may route to '${shown(unpriced)}', which has`;
  return new ApiError({
    status: 403,
    message: `${what} no known price (it is not in the models table, and the bundled genai-prices data does not list it), so the budget of ${scope} could not count its cost. An admin can add it with its prices (POST /api/models, or the dashboard's Models page).`,
    type: 'permission_error',
    code: 'model_not_priced',
    param: 'model',
  });
}

/** How long an SDK waits for a `retry-after` at most (the openai and Anthropic SDKs fall back to their own backoff past it). */
const SDK_PATIENCE_MS = 60_000;
/** The wait a budget held by requests in flight asks for: about as long as a short answer takes to settle. */
const HELD_RETRY_MS = 1_000;

/**
 * The retry hints of a budget refusal. Held by requests in flight: retryable shortly (their rows
 * give the room back). Spent: nothing helps before the period resets, so the SDKs are told not to
 * retry (`x-should-retry: false`), with `retry-after` the time to the reset for a client that
 * schedules; unless the reset is within what an SDK waits out, when it may retry then. A request
 * larger than the whole budget (`leastUsd`, the least it could be admitted with) names no wait.
 */
function budgetRetryHeaders(a: Extract<Admission, { ok: false }>, now: number, leastUsd: number): Record<string, string> {
  const wait = (ms: number, retry: boolean) => ({ 'x-should-retry': String(retry), 'retry-after': retrySeconds(ms), 'retry-after-ms': String(Math.ceil(ms)) });
  if (a.budget === 'held') return wait(HELD_RETRY_MS, true);
  const resetMs = periodEnd(a.scope.period, now) - now;
  if (!Number.isFinite(resetMs) || leastUsd > (a.scope.budgetUsd ?? 0)) return { 'x-should-retry': 'false' };
  return wait(resetMs, resetMs <= SDK_PATIENCE_MS);
}

function refusalOf(a: Extract<Admission, { ok: false }>, headers: Record<string, string>, now: number, leastUsd: number): { err: ApiError; code: RefusalCode } {
  switch (a.reason) {
    case 'budget':
      return { code: 'budget_exceeded', err: new ApiError({ status: 429, message: a.message, type: 'insufficient_quota', code: 'budget_exceeded', headers: { ...headers, ...budgetRetryHeaders(a, now, leastUsd) } }) };
    case 'parallel':
      return { code: 'concurrency_limit_exceeded', err: new ApiError({ status: 429, message: a.message, type: 'requests', code: 'concurrency_limit_exceeded', headers: { ...headers, 'retry-after': '1', 'retry-after-ms': '1000' } }) };
    default: {
      const h = { ...headers };
      if (a.retryAfterMs !== null) {
        h['retry-after'] = retrySeconds(a.retryAfterMs);
        h['retry-after-ms'] = String(Math.max(0, Math.ceil(a.retryAfterMs)));
      } else h['x-should-retry'] = 'false';
      return { code: 'rate_limit_exceeded', err: new ApiError({ status: 429, message: a.message, type: a.reason === 'tpm' ? 'tokens' : 'requests', code: 'rate_limit_exceeded', headers: h }) };
    }
  }
}

/**
 * The limits of a key and its team, checked before routing from memory only: expiry (401),
 * allow-lists (403), then one atomic admit of max_parallel, RPM, TPM and budget (429). An admitted
 * request holds a reservation until its log row settles it (src/limits/limits-log-sink.ts). A
 * refusal is counted, logged as its own row with zero cost, and thrown as the API's error (a rate
 * refusal with its admission's rate headers; the others get theirs as they leave: answer-rate-headers.ts).
 * Returns null for a key without limits (nothing else runs for it). Synchronous when the counters
 * are (in memory): an await per request is measurable at this size; a shared store's promise is
 * returned as it is.
 */
export function admitRequest(ctx: AppContext, client: ClientEntry, args: AdmitArgs): LimitGrant | null | Promise<LimitGrant> {
  const limits = client.limits;
  if (!limits) return null;
  const svc = ctx.limits;
  const now = svc.now();
  const endpoint = endpointOf(args.request.url);
  const body = (args.body && typeof args.body === 'object' ? args.body : {}) as Record<string, unknown>;
  const model = typeof body.model === 'string' ? body.model : '';
  if (limits.expiresAt !== null && now >= limits.expiresAt) {
    refuse(ctx, args, client, endpoint, model, 'key_expired', keyExpired(limits.expiresAt));
  }
  const snap = ctx.state.getSnapshot();
  // Claude Code's dated ids on /v1/messages are served by the name they alias to (a claude-<family>
  // group, Anthropic itself, a tier: messages/claude-model-alias.ts): allowed and priced as that.
  const routed = isMessagesEndpoint(endpoint) ? (claudeModelAlias(model, snap) ?? model) : model;
  // The models a Responses request's hosted tools run (the image generation tool's) are reserved and billed: the lists judge them too.
  const tools = endpoint === 'responses' && Array.isArray(body.tools) ? hostedToolModels(body) : NO_TOOLS;
  for (const scope of limits.scopes) {
    if (!isRouteAllowed(scope.allow, model, routed, snap.models)) {
      return refuse(ctx, args, client, endpoint, model, 'model_not_allowed', new ApiError({ status: 403, message: `The model '${shown(model)}' is not allowed for ${scope.label}.`, type: 'permission_error', code: 'model_not_allowed', param: 'model' }));
    }
    const tool = tools.length ? toolModelNotAllowed(scope.allow, tools, snap.models) : null;
    if (tool) refuse(ctx, args, client, endpoint, model, 'model_not_allowed', toolNotAllowed(tool, scope.label));
  }
  // At the prices in force when the request started (time-of-day prices), the instant its row bills at.
  const prices = withBetaWindow(svc.prices(routed, snap, args.clock.createdAt), args.request.headers.get('anthropic-beta'));
  // A model of unknown price would be counted at $0: a budget could never stop it. Counting tokens is free.
  if (prices.unpriced && endpoint !== 'count_tokens' && endpoint !== 'input_tokens') {
    const budgeted = limits.scopes.find((s) => s.budgetUsd !== null);
    if (budgeted) refuse(ctx, args, client, endpoint, model, 'model_not_priced', modelNotPriced(model, prices.unpriced, budgeted.label));
  }
  // A chunked body has no length: its bytes, not its characters (a CJK character is 3 bytes, about a token).
  const bytes = Number(args.request.headers.get('content-length')) || Buffer.byteLength(JSON.stringify(body));
  const worst = worstCaseOf(endpoint, body, bytes, prices);
  // Fail mode `closed` with the shared counters unreachable: a 503, logged like any refusal.
  const unavailable = (err: unknown): never => {
    if (err instanceof LimitsUnavailableError) refuse(ctx, args, client, endpoint, model, 'limits_unavailable', err);
    throw err;
  };
  const worstUsd = boundedWorst(worst.costUsd, WORST_USD_IF_UNKNOWN);
  // A request naming no max_tokens (or on /v1/messages, where max_tokens is a required ceiling) may be
  // admitted with less than its output's worst case, down to its prompt and a minimum output, where
  // its budgets have less room: it is then sent the max_tokens that room affords
  // (budget-output-cap.ts), so the budget still cannot be overspent.
  const least = limits.scopes.some((s) => s.budgetUsd !== null) ? minimumOutput(endpoint, worst, body) : null;
  const minUsd = least !== null ? boundedWorst(worstCaseOf(endpoint, body, bytes, prices, least).costUsd, WORST_USD_IF_UNKNOWN) : worstUsd;
  let tokens = 0;
  const admit = (roomTokens: number | null) => {
    tokens = boundedWorst(tpmTokensOf(worst, roomTokens), WORST_TOKENS_IF_UNKNOWN);
    // The output part of what TPM holds (the prompt's is what tpmTokensOf never trims): a too-large refusal names both.
    const outputTokens = Math.max(0, tokens - (worst.tokens - (worst.outputTokens ?? 0)));
    return svc.admit({ requestId: args.requestId, scopes: limits.scopes, worstCostUsd: worstUsd, ...(minUsd < worstUsd ? { minCostUsd: minUsd } : {}), tokens, outputTokens, outputField: worst.outputField ?? null, now, startedAt: args.startedAt });
  };
  let a: Admission | Promise<Admission>;
  try {
    // A default output allowance is reserved only as far as the TPM windows have room (tpmTokensOf).
    const room = worst.defaultOutputTokens && limits.scopes.some((s) => s.tpm !== null) ? svc.counters.peekRate(limits.scopes, now) : null;
    a = room instanceof Promise ? room.then((r) => admit(r.tokens?.remaining ?? null)) : admit(room?.tokens?.remaining ?? null);
  } catch (err) {
    return unavailable(err);
  }
  const grant = (a: Admission): LimitGrant => {
    let headers = limitHeaders(endpoint, a.rate, now);
    if (!a.ok) {
      const { code, err } = refusalOf(a, headers, now, minUsd);
      refuse(ctx, args, client, endpoint, model, code, err);
    }
    // Redis hands the amount back as text (14 digits): a hair under is the whole worst case.
    if (minUsd >= worstUsd || a.reservedUsd >= worstUsd * (1 - 1e-9)) return { headers };
    // Each target's cap from the request's own share (a classifier call's is reserved beside it), at its own prices.
    const beta = args.request.headers.get('anthropic-beta');
    const pricesOf = (t: { modelId: string }) => withBetaWindow(svc.prices(t.modelId, snap, args.clock.createdAt), beta);
    const outputCap = outputCapOf({ endpoint, body, bodyBytes: bytes, ownUsd: a.reservedUsd - (prices.classifierUsd ?? 0), least: least!, pricesOf });
    // TPM holds the prompt and the most output any target is sent, not the default allowance.
    if (a.rate.tokens) {
      const most = largestCap(routed, snap, outputCap);
      const capped = Number.isFinite(most) ? Math.ceil(boundedWorst(worstCaseOf(endpoint, body, bytes, prices, most).tokens, WORST_TOKENS_IF_UNKNOWN)) : tokens;
      if (capped < tokens) {
        ignoreFailure(svc.counters.trimTokens(args.requestId, capped));
        headers = limitHeaders(endpoint, { ...a.rate, tokens: { ...a.rate.tokens, remaining: a.rate.tokens.remaining + tokens - capped } }, now);
      }
    }
    return { headers, outputCap };
  };
  return a instanceof Promise ? a.then(grant, unavailable) : grant(a);
}

/** A counter update whose failure changes nothing the request needs (the settle sets the count anyway). */
const ignoreFailure = (p: void | Promise<void>) => void (p instanceof Promise ? p.catch(() => {}) : p);

/**
 * A worst case that is not a finite number of 0 or more (a price table read with a key a client
 * chose once gave NaN) would pass every budget check (NaN compares false) and leave the scope's
 * reserved sum NaN for good. It is counted as an amount no real budget or TPM limit admits instead;
 * a scope without one reserves it and settles it back, both counters keeping cents at that size.
 */
const WORST_USD_IF_UNKNOWN = 1e9;
const WORST_TOKENS_IF_UNKNOWN = 1e12;
export function boundedWorst(v: number, ifUnknown: number): number {
  return Number.isFinite(v) && v >= 0 ? Math.min(v, ifUnknown) : ifUnknown;
}

/** Counts and logs a refusal (its own row, zero cost), then throws it as the API's error. */
function refuse(ctx: AppContext, args: AdmitArgs, client: ClientEntry, endpoint: LimitedEndpoint, model: string, code: RefusalCode, err: ApiError): never {
  ctx.limits.countRefusal(code);
  ctx.logSink.write(refusalRecord(args, client, endpoint, model, err));
  throw err;
}

/** The one row of a refused request: its status and code, zero tokens and cost. */
function refusalRecord(args: AdmitArgs, client: ClientEntry, endpoint: LimitedEndpoint, model: string, err: ApiError): LogRow {
  const latency = args.clock.elapsed();
  return {
    createdAt: args.clock.createdAt,
    requestId: args.requestId,
    clientId: client.id,
    // The team the key was refused in (it was admitted under none; the row costs nothing).
    teamId: client.limits?.teamId ?? null,
    // The Responses count is logged as Anthropic's is (README's endpoint names): `count_tokens`.
    endpoint: endpoint === 'input_tokens' ? 'count_tokens' : endpoint,
    modelRequested: modelForLog(model),
    model: null,
    provider: null,
    route: null,
    stream: (args.body as { stream?: unknown } | null)?.stream === true,
    status: err.status,
    errorType: err.code ?? err.type,
    error: err.message,
    promptTokens: 0,
    cachedTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    costUsd: 0,
    latencyMs: roundMs(latency),
    ttfbMs: null,
    overheadMs: roundMs(latency),
  };
}

/** For the reads under /v1 (model lists): an expired key gets the same 401 as on the POST endpoints, without a row. */
export function assertKeyNotExpired(ctx: AppContext, client: ClientEntry): void {
  const at = client.limits?.expiresAt;
  if (at != null && ctx.limits.now() >= at) {
    throw keyExpired(at);
  }
}
