import type { AppContext } from '../context';
import { isKeyFailure, withKey } from '../key-pool/key-pool';
import { longContextScope } from '../key-pool/key-slots';
import type { PoolKey, ProviderId, ProviderSettings } from '../providers/types';
import { ApiError, UpstreamError, type SpentAnswer } from '../errors/api-error';
import type { RouteDecision, RouteTarget } from '../routing/types';
import type { FailureKind } from '../routing/circuit-breaker';
import { roundMs } from './request-clock';
import { isTargetRefusal } from './upstream-errors';
import { applySoonestWait, namedWaitMs, soonestMs, type RetryWaits } from './retry-waits';

/** One try, as recorded in the log row's `attempts` JSON. */
export interface AttemptRecord {
  provider: string;
  model: string;
  status: number;
  error: string | null;
  ms: number;
  /** The provider key this try used (its label and last four characters; never the key). */
  key?: string;
  keyLast4?: string;
  /** Its pool id (a provider_keys id, `main` or `env`): the log row's provider_key_id. */
  keyId?: string;
}

export interface WalkOptions<T> {
  /** The client's request signal: once it fired, a failed try is not followed by another. */
  signal?: AbortSignal;
  /**
   * Whether a value that came back counts as the target answering (breaker success) right away.
   * Default yes; chat streams say no and report when they end, since one can still die mid-way.
   */
  settledOnReturn?: (value: T) => boolean;
  /** A key to try first on this provider's targets (see ProviderKeyPool.order): a follow-up's key. */
  firstKey?: { provider: ProviderId; keyId: string } | null;
  /**
   * What the key pool keeps this call's 429s and refusals under instead of the target's model,
   * when the provider limits the endpoint apart (Anthropic's count_tokens has limits of its own).
   */
  keyScope?: string;
  /**
   * The request asks for Claude's 1M window (`anthropic-beta: context-1m-…`): on Anthropic's targets
   * the pool keeps refusals under the model's 1M scope (key-slots.ts longContextScope), so a key whose
   * account lacks the beta is set aside for that only and still serves the model's other requests.
   */
  longContext?: boolean;
  /**
   * The tries of a walk over the decision's earlier targets that ran out (a Responses
   * pass-through's OpenAI targets, before the bridge walks the rest): this walk goes on from them,
   * so the row lists every try and MAX_TRIES counts them all.
   */
  earlier?: EarlierTries | null;
  /**
   * The request's id, whose reservation a key's budget holds: after a try the provider billed, the
   * next starts only once the reservation holds it too (LimitsService.coverTry), else the walk ends
   * with the failure so far. Without it (a classifier's call), tries go on unchecked.
   */
  requestId?: string;
}

/** A failed walk's tries, for a walk that goes on from it (WalkOptions.earlier). */
export interface EarlierTries {
  attempts: readonly AttemptRecord[];
  spent: readonly SpentTry[];
  tries: number;
  /** The soonest waits its failed targets named (retry-waits.ts); none when left out. */
  waits?: RetryWaits;
  /** The failure it would have answered (a later target's may not replace it: keepsEarlierFailure); none when left out. */
  failure?: WalkFailure | null;
  /** Its first target that refused the request's parameters (answered when nothing else is). */
  refused?: ApiError | null;
}

/**
 * The failure a walk whose targets all failed answers so far, and the target the row names for it
 * (`kept`: a later target's failure left it in place). Carried into a walk that goes on from it, so
 * a group walked in parts (a Responses pass-through, then the bridge) chooses as one walk does.
 */
export interface WalkFailure {
  error: ApiError;
  target: RouteTarget;
  kept: boolean;
}

/** A walk whose tries the providers bill none of (most): one array for all, not one per request. */
const NONE_SPENT: readonly SpentTry[] = [];

/** A provider without keys is tried once, keyless. */
const NO_KEY = [null] as const;

/** Retryable failures beyond this many tries stop the fallback walk (each may take a timeout). */
const MAX_TRIES = 4;

const circuitOpen = (d: RouteDecision, retryAfterMs: number) =>
  new ApiError({
    status: 503,
    message: `Every upstream for '${d.requested}' is failing right now (circuit open); retry later.`,
    type: 'api_error',
    code: 'circuit_open',
    // The exact wait beside the whole seconds, as every other wait a group tells (the SDKs read it first).
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), 'retry-after-ms': String(Math.max(1, Math.ceil(retryAfterMs))) },
  });

/**
 * Tells the breaker how an answer that was still running when the walk returned (a stream, a
 * body read later) ended: a retryable upstream failure counts against the target, anything else
 * is the target answering. Headers alone do not make a success, or an upstream that always dies
 * mid-stream never opens its circuit.
 */
export function settleAnswer(breakers: AppContext['breakers'], target: RouteTarget, error: ApiError | null): void {
  if (error instanceof UpstreamError && error.isRetryable) breakers.onFailure(target.provider, target.upstreamModel, failureKind(error));
  else breakers.onSuccess(target.provider, target.upstreamModel);
}

/**
 * Whether a retryable failure is the provider's as a whole: it could not be reached or did not
 * answer in time, whatever the model. An HTTP error (5xx; a 429 is left to the key pool) or a broken answer may be one
 * model's (retired, overloaded): it opens that model's circuit, the provider's only once failures
 * of several models add up (routing/circuit-breaker.ts).
 */
export function failureKind(e: UpstreamError): FailureKind {
  return { providerWide: e.code === 'upstream_unreachable' || e.code === 'upstream_timeout' };
}

/** What the walk reads: breakers, key pools and the snapshot's provider settings. */
export type WalkContext = Pick<AppContext, 'breakers' | 'keyPool' | 'state' | 'limits'>;

/** A try that failed after the provider's answer had begun: `attempt` is its index in the walk's attempts. */
export interface SpentTry {
  attempt: number;
  target: RouteTarget;
  answer: SpentAnswer;
}

/**
 * What a walk did: every try in order, the target that answered or was tried last, and its value
 * or the error that ended it; `spent`, the failed tries the providers bill all the same.
 */
export type Walk<T> =
  | { ok: true; value: T; target: RouteTarget; attempts: AttemptRecord[]; spent: readonly SpentTry[] }
  | {
      ok: false;
      error: ApiError;
      target: RouteTarget | null;
      attempts: AttemptRecord[];
      spent: readonly SpentTry[];
      /** Targets tried (as MAX_TRIES counts them). */
      tries: number;
      /** The soonest waits of its failed targets, already on `error` (a walk going on from this one adds its own). */
      waits: RetryWaits;
      /** The failure chosen so far and the first parameter refusal, for a walk going on from this one. */
      failure: WalkFailure | null;
      refused: ApiError | null;
      /**
       * It ran out of targets, each failure one after which a next target is tried (a refusal for
       * the last target's own limits included): one more may still answer.
       */
      more: boolean;
    };

/**
 * Tries `attempt` on the decision's targets in order, for every endpoint (chat, images, Responses
 * pass-through). Targets whose breaker is open are skipped. On a target, the provider's keys are
 * tried in the pool's order while they fail for reasons of their own (429, 401, 403: the pool
 * cools them down or sets them aside); when they all did, the next target is tried. Any other
 * retryable upstream failure is reported to the breaker and the next target is tried; anything
 * else ends the walk. Never throws: the result carries the tries (for the log row) either way.
 * `attempt` gets the provider's settings with the chosen key as `apiKey`.
 */
export async function walkTargets<T>(
  ctx: WalkContext,
  decision: RouteDecision,
  attempt: (target: RouteTarget, settings: ProviderSettings) => Promise<T>,
  opts: WalkOptions<T> = {},
): Promise<Walk<T>> {
  const { breakers, keyPool } = ctx;
  const snap = ctx.state.getSnapshot();
  const attempts: AttemptRecord[] = opts.earlier ? [...opts.earlier.attempts] : [];
  // Made at the first billed failure: most walks have none, and it waits with the request.
  let spent: SpentTry[] | null = opts.earlier?.spent.length ? [...opts.earlier.spent] : null;
  let last: RouteTarget | null = null;
  // The failure a walk it goes on from chose (a Responses pass-through's): this one chooses on from it.
  let lastError: ApiError | null = opts.earlier?.failure?.error ?? null;
  /** The target `lastError` came from; `kept`, it when a later target's refusal did not replace it. */
  let errorTarget: RouteTarget | null = opts.earlier?.failure?.target ?? null;
  let kept: RouteTarget | null = opts.earlier?.failure?.kept ? errorTarget : null;
  // The soonest any failed target may be tried again: the ending error tells the client that one.
  // Two numbers, not an object: a walk that answers (most) allocates nothing for them.
  let namedMs = opts.earlier?.waits?.named ?? Infinity;
  let ownMs = opts.earlier?.waits?.own ?? Infinity;
  let tries = opts.earlier?.tries ?? 0;
  /** Ended before its targets ran out: MAX_TRIES reached, or the client left. */
  let stopped = false;
  /** The first target that refused the request before calling (a parameter its provider cannot take). */
  let refused: ApiError | null = opts.earlier?.refused ?? null;
  targets: for (const target of decision.targets) {
    if (tries >= MAX_TRIES) {
      stopped = true;
      break;
    }
    last = target;
    // Shared circuits answer a promise only while they claim a half-open probe across instances.
    const allowed = breakers.allow(target.provider, target.upstreamModel);
    if (!(typeof allowed === 'boolean' ? allowed : await allowed)) {
      ownMs = Math.min(ownMs, breakers.retryAfterMs(target.provider, target.upstreamModel));
      attempts.push(attemptRecord(target, 503, 'circuit open', 0));
      continue;
    }
    // A target counts once however many of its keys were tried: key failures answer at once,
    // while MAX_TRIES bounds the waits (timeouts) of a walk.
    tries++;
    const settings = snap.providers.get(target.provider)!;
    const model = opts.keyScope ?? (opts.longContext && target.provider === 'anthropic' ? longContextScope(target.upstreamModel) : target.upstreamModel);
    const keys = keyPool.order(settings, opts.firstKey?.provider === target.provider ? opts.firstKey.keyId : null, model);
    let failure: UpstreamError | null = null;
    /** The shortest wait a 429 of this target's keys named (Infinity: none). */
    let keyNamedMs = Infinity;
    /** A try billed before, and the budget has no room to hold one more: the walk ends here. */
    let noRoom = false;
    for (const key of keys.length > 0 ? keys : NO_KEY) {
      // Asked only after a billed try (rare): a key without a budget does nothing more on its tries.
      if (spent !== null && opts.requestId !== undefined && !(await ctx.limits.coverTry(opts.requestId, spent.length))) {
        attempts.push(attemptRecord(target, 429, NO_ROOM, 0, key));
        // Its first key: the earlier target's failure ends the walk (a half-open probe slot taken is
        // freed: the target was not tried). A later one: this target's.
        if (failure === null) {
          breakers.release(target.provider, target.upstreamModel);
          stopped = true;
          break targets;
        }
        noRoom = true;
        break;
      }
      const start = performance.now();
      const sentAt = keyPool.now();
      try {
        const value = await attempt(target, withKey(settings, key));
        // A stream is settled when it ends (settleAnswer), but a circuit held shut by a probe (half-open,
        // this request's) closes at its first chunk: the model answers again, and a long probe stream
        // would otherwise refuse every other request to it for as long as it runs.
        if ((opts.settledOnReturn?.(value) ?? true) || !breakers.available(target.provider, target.upstreamModel)) breakers.onSuccess(target.provider, target.upstreamModel);
        if (key) keyPool.answered(target.provider, key, sentAt, model);
        attempts.push(attemptRecord(target, 200, null, performance.now() - start, key));
        return { ok: true, value, target, attempts, spent: spent ?? NONE_SPENT };
      } catch (err) {
        const e = ApiError.from(err);
        attempts.push(attemptRecord(target, e.status, e.message, performance.now() - start, key));
        if (e.spent) (spent ??= []).push({ attempt: attempts.length - 1, target, answer: e.spent });
        if (!(e instanceof UpstreamError)) {
          // Refused before the call, or the client left before the upstream answered: the target
          // neither answered nor failed, so a half-open probe slot this request took is free at once.
          breakers.release(target.provider, target.upstreamModel);
          // Refused before any call for a parameter this target's provider cannot take (Gemini's
          // logprobs, DeepSeek's json_schema, a content part Anthropic does not read...): a group's
          // next target may take it. Not a try.
          const own = refusedForTarget(e.code);
          if (own && target !== decision.targets.at(-1)) {
            refused ??= e;
            tries--;
            continue targets;
          }
          // A refusal of the target's own leaves `more`: a walk over part of a group (a Responses
          // pass-through's leading targets) lets the group's other targets try, as a target refused
          // here before the group's last (not a try, the refusal kept) does.
          if (own) refused ??= e;
          return { ok: false, error: own ? refused! : e, target, attempts, spent: spent ?? NONE_SPENT, tries: own ? tries - 1 : tries, more: own, waits: { named: namedMs, own: ownMs }, failure: failureSoFar(lastError, errorTarget, kept), refused };
        }
        // A key only rate-limited says more than a later key's refusal (401/403, 402) or 404: the
        // client's retry is served once it is back, so its 429 and wait end the target, whatever the
        // keys' order (the rule between targets too).
        if (!keepsEarlierFailure(failure, e)) failure = e;
        if (key && !isKeyFailure(e)) keyPool.answered(target.provider, key, undefined, model);
        if (!key || !isKeyFailure(e)) break;
        // Not when an admin removed or replaced the key meanwhile: its id (`main`) may name a new key now.
        if (stillInPool(ctx, target.provider, key)) keyPool.reportFailure(target.provider, key, e, model);
        if (e.upstreamStatus === 429) keyNamedMs = Math.min(keyNamedMs, namedWaitMs(e, keyPool.now()) ?? Infinity);
        if (opts.signal?.aborted) break;
      }
    }
    const e = failure!;
    let named = namedWaitMs(e, keyPool.now());
    if (keys.length > 0) {
      const poolMs = keyPool.retryAfterMs(settings, model);
      if (rateLimitedUntilPoolFrees(e, poolMs)) ownMs = Math.min(ownMs, poolMs!);
      // Every key rate-limited: the client's retry is served by the first key back, not by the last
      // one tried: one tried before it that named less (its exact wait), or one resting from before
      // this request and so not tried (the pool's wait for it).
      else if (named !== null && e.upstreamStatus === 429) {
        named = Math.min(named, keyNamedMs);
        const untried = keys.length < settings.keys!.length ? keyPool.retryAfterMs(settings, model, keys) : null;
        if (untried !== null) named = Math.min(named, untried);
      }
    }
    if (named !== null) namedMs = Math.min(namedMs, named);
    // Every key refused (401/403, 402), or the provider has none at all (switched on without one):
    // either way the provider refused the gateway's credentials, not the client's request.
    const keysExhausted = isKeyFailure(e);
    // A 404 on a call whose path the gateway built: this provider does not serve the model (retired,
    // renamed) or the base URL is wrong. The target's problem, not the request's: a group goes on.
    const notServed = e.upstreamStatus === 404;
    // A parameter this model refuses (OpenAI's reasoning models and `stop`), or a prompt over its
    // context window: the next target may take it.
    const targetRefusal = isTargetRefusal(e);
    const paramRefused = targetRefusal && target !== decision.targets.at(-1);
    if (!e.isRetryable && !keysExhausted && !notServed && !paramRefused) {
      breakers.onSuccess(target.provider, target.upstreamModel); // it answered: alive
      if (targetRefusal) refused ??= e;
      return { ok: false, error: targetRefusal ? refused! : e, target, attempts, spent: spent ?? NONE_SPENT, tries, more: targetRefusal, waits: { named: namedMs, own: ownMs }, failure: failureSoFar(lastError, errorTarget, kept), refused };
    }
    // Every key refused (401/403, 402 out of credit), or the model not served there (404), is the operator's
    // problem with this target, not the client's: the next one may still answer. The upstream itself
    // answered, so its breaker hears a success. So does a 429 on every key: the pool rests the keys
    // for as long as the provider says; an open circuit would answer 503 "failing" for 30 s instead of
    // the provider's 429 and its retry-after (and a one-key provider's clients would be refused locally).
    if (e.isRetryable && !keysExhausted) breakers.onFailure(target.provider, target.upstreamModel, failureKind(e));
    else breakers.onSuccess(target.provider, target.upstreamModel);
    if (paramRefused) {
      // The client's request, refused for this model only: answered as it is if no later target answers.
      refused ??= e;
      continue;
    }
    if (keepsEarlierFailure(lastError, e)) kept ??= errorTarget;
    else [lastError, errorTarget, kept] = [e, target, null];
    if (noRoom || opts.signal?.aborted) {
      stopped = true;
      break;
    }
  }
  // Every target failed in a way a retry may get past (or was skipped, its circuit open): the
  // client is told the soonest one may answer again, not the last one's wait. Routing left out
  // the open ones while others were healthy; their probes count as the gateway's own waits too.
  for (const t of decision.skippedOpen ?? []) ownMs = Math.min(ownMs, breakers.retryAfterMs(t.provider, t.upstreamModel));
  const waits: RetryWaits = { named: namedMs, own: ownMs };
  if (lastError instanceof UpstreamError && lastError.isRetryable) applySoonestWait(lastError, waits);
  const error = lastError ?? refused ?? circuitOpen(decision, Number.isFinite(soonestMs(waits)) ? soonestMs(waits) : 1000);
  return { ok: false, error, target: kept ?? last, attempts, spent: spent ?? NONE_SPENT, tries, more: !stopped, waits, failure: failureSoFar(lastError, errorTarget, kept), refused };
}

/**
 * Whether a walk's failure so far stays its answer over a later target's `next`, which every failed
 * walk (chat, a Responses group walked in parts) chooses by: an earlier target only rate-limited says
 * more than a later one refusing the gateway's keys or model (401/403, 402, 404), since the client's
 * retry is served once that key is back, so its 429 and wait end the walk, as they end a target whose
 * keys failed so. Anything else after it (a 5xx, a timeout) replaces it, with the soonest wait.
 */
function keepsEarlierFailure(so: ApiError | null, next: UpstreamError): boolean {
  if (!(so instanceof UpstreamError) || !isRateLimit(so)) return false;
  return (isKeyFailure(next) && !isRateLimit(next)) || next.upstreamStatus === 404;
}

/** A failed walk's failure so far, for a walk going on from it (made only when the walk fails). */
function failureSoFar(error: ApiError | null, target: RouteTarget | null, kept: RouteTarget | null): WalkFailure | null {
  return error && target ? { error, target, kept: kept !== null } : null;
}

/** The attempts entry of a try not made: an earlier one was billed, and the key's (or team's) budget holds no other. */
const NO_ROOM = 'not tried (budget_exceeded): a failed try was billed and the budget has no room for another';

/**
 * A 429 the upstream sent without a `retry-after` gets the gateway's: when the first of the
 * provider's keys is back for the model (each key tried was just cooled). The client's SDK then waits that long rather than retrying at once into the same wall.
 */
function rateLimitedUntilPoolFrees(e: UpstreamError, ms: number | null): boolean {
  if (e.upstreamStatus !== 429 || e.code === 'insufficient_quota' || e.headers['retry-after'] || ms === null) return false;
  e.headers['retry-after'] = String(Math.max(1, Math.ceil(ms / 1000)));
  return true;
}

/** A rate limit (429) that is not an account out of credit (`insufficient_quota`): the key is back after a wait. */
const isRateLimit = (e: UpstreamError | null): boolean => e?.upstreamStatus === 429 && e.code !== 'insufficient_quota';

/** Whether the pool still holds this key, the same secret under the same id. */
function stillInPool(ctx: WalkContext, provider: ProviderId, key: PoolKey): boolean {
  const now = ctx.state.getSnapshot().providers.get(provider)?.keys?.find((k) => k.id === key.id);
  return now?.apiKey === key.apiKey;
}

/** One try as its log record (plain values: no closure per target is kept while the try waits). */
function attemptRecord(target: RouteTarget, status: number, error: string | null, ms: number, key: PoolKey | null = null): AttemptRecord {
  const r: AttemptRecord = { provider: target.provider, model: target.upstreamModel, status, error, ms: roundMs(ms) };
  if (key) {
    r.key = key.label;
    r.keyLast4 = key.last4;
    r.keyId = key.id;
  }
  return r;
}

/**
 * The codes of a refusal made before the call for something the target's provider cannot take:
 * `unsupported_parameter` (every adapter's), Anthropic's `unsupported_content` (an `input_audio`
 * part, a file that is neither an inline PDF nor plain text) and `invalid_image_format` (an image
 * format Ollama or Anthropic does not read, a GIF for Ollama), which another provider may read.
 */
function refusedForTarget(code: string | null | undefined): boolean {
  return code === 'unsupported_parameter' || code === 'unsupported_content' || code === 'invalid_image_format';
}
