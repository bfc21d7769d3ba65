import type { BreakerRegistry } from '../context';
import { ApiError, UpstreamError } from '../errors/api-error';
import type { RouteDecision, RouteTarget } from '../routing/types';
import { openAttempt, type AttemptInput, type JsonAttempt, type StreamAttempt } from './open-attempt';
import { roundMs } from './request-clock';

/** One try, as recorded in the log row's `attempts` JSON. */
export interface AttemptRecord {
  provider: string;
  model: string;
  status: number;
  error: string | null;
  ms: number;
}

export interface WalkOptions<T> {
  /** The client's request signal: once it fired, a failed try is not followed by another. */
  signal?: AbortSignal;
  /**
   * Whether a value that came back counts as the target answering (breaker success) right away.
   * Default yes; chat streams say no and report when they end, since one can still die mid-way.
   */
  settledOnReturn?: (value: T) => boolean;
}

/** Retryable failures beyond this many tries stop the fallback walk (each may take a timeout). */
const MAX_TRIES = 4;

const circuitOpen = (d: RouteDecision, retryAfterMs: number) =>
  new ApiError(
    503,
    `Every upstream for '${d.requested}' is failing right now (circuit open); retry later.`,
    'api_error',
    'circuit_open',
    null,
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );

/**
 * Tries `attempt` on the decision's targets in order, for every endpoint (chat, images, Responses
 * pass-through). Targets whose breaker is open are skipped; a retryable upstream failure is
 * reported to the breaker and the next target is tried; anything else ends the walk.
 * `attempts` is filled as it goes so the caller can log it whatever happens.
 */
export async function walkTargets<T>(
  breakers: BreakerRegistry,
  decision: RouteDecision,
  attempts: AttemptRecord[],
  attempt: (target: RouteTarget) => Promise<T>,
  opts: WalkOptions<T> = {},
): Promise<{ value: T; target: RouteTarget }> {
  let lastError: ApiError | null = null;
  let retryAfterMs = Number.POSITIVE_INFINITY;
  let tries = 0;
  for (const target of decision.targets) {
    if (tries >= MAX_TRIES) break;
    const record = (status: number, error: string | null, ms: number) =>
      attempts.push({ provider: target.provider, model: target.upstreamModel, status, error, ms: roundMs(ms) });
    if (!breakers.allow(target.provider, target.upstreamModel)) {
      retryAfterMs = Math.min(retryAfterMs, breakers.retryAfterMs(target.provider, target.upstreamModel));
      record(503, 'circuit open', 0);
      continue;
    }
    tries++;
    const start = performance.now();
    try {
      const value = await attempt(target);
      if (opts.settledOnReturn?.(value) ?? true) breakers.onSuccess(target.provider, target.upstreamModel);
      record(200, null, performance.now() - start);
      return { value, target };
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'Internal gateway error.', 'api_error', 'internal_error');
      record(e.status, e.message, performance.now() - start);
      if (!(e instanceof UpstreamError)) throw e;
      if (!e.isRetryable) {
        breakers.onSuccess(target.provider, target.upstreamModel); // it answered: alive
        throw e;
      }
      breakers.onFailure(target.provider, target.upstreamModel);
      lastError = e;
      if (opts.signal?.aborted) break;
    }
  }
  throw lastError ?? circuitOpen(decision, Number.isFinite(retryAfterMs) ? retryAfterMs : 1000);
}

/** The chat proxy's walk: each try is an openAttempt (whole JSON, or a stream's first chunk). */
export async function executeRoute(
  decision: RouteDecision,
  input: Omit<AttemptInput, 'target'>,
  attempts: AttemptRecord[],
): Promise<{ opened: JsonAttempt | StreamAttempt; target: RouteTarget }> {
  const { value: opened, target } = await walkTargets(input.ctx.breakers, decision, attempts, (t) => openAttempt({ ...input, target: t }), {
    signal: input.signal,
    // A stream reports to the breaker when it ends (chat-runner): one that dies mid-way is a failure.
    settledOnReturn: (o) => o.kind === 'json',
  });
  return { opened, target };
}
