import type { LogRecord } from './log-record';

/**
 * Raw SQL for the writer's hot path. One prepared statement bound with positional values is
 * several times faster than drizzle's multi-row insert builder, and this runs for every request.
 */
export const INSERT_LOG_SQL = `INSERT INTO request_logs (
  created_at, request_id, parent_request_id, client_id, endpoint, model_requested, model, provider,
  route, attempts, stream, status, error_type, error, prompt_tokens, cached_tokens, completion_tokens,
  reasoning_tokens, images, estimated, cost_usd, latency_ms, ttfb_ms, overhead_ms, body
) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`;

export type LogRowValues = (string | number | null)[];

const n = (v: number | undefined | null): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Values for INSERT_LOG_SQL, in column order. */
export function logRowValues(r: LogRecord): LogRowValues {
  return [
    r.createdAt, r.requestId, r.parentRequestId ?? null, r.clientId ?? null, r.endpoint, r.modelRequested,
    r.model ?? null, r.provider ?? null, r.route ?? null, r.attempts ?? null, r.stream ? 1 : 0, r.status,
    r.errorType ?? null, r.error ?? null, n(r.promptTokens), n(r.cachedTokens), n(r.completionTokens),
    n(r.reasoningTokens), n(r.images), r.estimated ? 1 : 0, n(r.costUsd), n(r.latencyMs),
    r.ttfbMs ?? null, n(r.overheadMs), r.body ?? null,
  ];
}

export const UPSERT_ROLLUP_SQL = `INSERT INTO usage_hourly (
  hour, provider, model, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens,
  reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum
) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (hour, provider, model, client_id) DO UPDATE SET
  requests = requests + excluded.requests,
  errors = errors + excluded.errors,
  prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  cached_tokens = cached_tokens + excluded.cached_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
  cost_usd = cost_usd + excluded.cost_usd,
  latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
  overhead_ms_sum = overhead_ms_sum + excluded.overhead_ms_sum`;

export const HOUR_MS = 3_600_000;

/** A record counts as an error when the client got an error status or a stream ended in one. */
export function isErrorRecord(r: Pick<LogRecord, 'status' | 'errorType'>): boolean {
  return r.status >= 400 || r.errorType != null;
}
