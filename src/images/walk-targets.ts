import type { AppContext } from '../context';
import { ApiError, UpstreamError } from '../errors/api-error';
import type { AttemptRecord } from '../proxy/execute-route';
import { roundMs } from '../proxy/request-clock';
import type { RouteDecision, RouteTarget } from '../routing/types';

const MAX_TRIES = 4;

/**
 * Tries `attempt` on the decision's targets in order, the way the chat proxy's executeRoute does
 * for chat calls: skips targets whose breaker is open, falls back on retryable upstream errors,
 * stops on anything else. `keep` narrows the targets (e.g. image-capable ones only).
 */
export async function walkTargets<T>(
  ctx: AppContext,
  decision: RouteDecision,
  attempts: AttemptRecord[],
  attempt: (target: RouteTarget) => Promise<T>,
  signal?: AbortSignal,
): Promise<{ value: T; target: RouteTarget }> {
  const { breakers } = ctx;
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
      breakers.onSuccess(target.provider, target.upstreamModel);
      record(200, null, performance.now() - start);
      return { value, target };
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'Internal gateway error.', 'api_error', 'internal_error');
      record(e.status, e.message, performance.now() - start);
      if (!(e instanceof UpstreamError) || !e.isRetryable) {
        if (e instanceof UpstreamError) breakers.onSuccess(target.provider, target.upstreamModel);
        throw e;
      }
      breakers.onFailure(target.provider, target.upstreamModel);
      lastError = e;
      if (signal?.aborted) break;
    }
  }
  throw (
    lastError ??
    new ApiError(503, `Every upstream for '${decision.requested}' is failing right now (circuit open); retry later.`, 'api_error', 'circuit_open', null, {
      'retry-after': String(Math.max(1, Math.ceil((Number.isFinite(retryAfterMs) ? retryAfterMs : 1000) / 1000))),
    })
  );
}
