import type { LogRecord } from './log-record';
import { DAY_MS, HOUR_MS, MEASURES, ROLLUP_TABLES, type RollupTable } from './rollup-tables';

/**
 * Raw SQL for the writer's hot path. One prepared statement bound with positional values is
 * several times faster than drizzle's multi-row insert builder, and this runs for every request.
 */
export const INSERT_LOG_SQL = `INSERT INTO request_logs (
  created_at, request_id, parent_request_id, client_id, endpoint, model_requested, model, provider,
  route, attempts, stream, status, error_type, error, prompt_tokens, cached_tokens, completion_tokens,
  reasoning_tokens, images, estimated, cost_usd, latency_ms, ttfb_ms, overhead_ms, body, provider_key_id,
  cache_write_tokens, queue_ms
) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`;

export type LogRowValues = (string | number | null)[];

const n = (v: number | undefined | null): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Values for INSERT_LOG_SQL, in column order. */
export function logRowValues(r: LogRecord): LogRowValues {
  return [
    r.createdAt, r.requestId, r.parentRequestId ?? null, r.clientId ?? null, r.endpoint, r.modelRequested,
    r.model ?? null, r.provider ?? null, r.route ?? null, r.attempts ?? null, r.stream ? 1 : 0, r.status,
    r.errorType ?? null, r.error ?? null, n(r.promptTokens), n(r.cachedTokens), n(r.completionTokens),
    n(r.reasoningTokens), n(r.images), r.estimated ? 1 : 0, n(r.costUsd), n(r.latencyMs),
    r.ttfbMs ?? null, n(r.overheadMs), r.body ?? null, r.providerKeyId ?? null,
    n(r.cacheWriteTokens), r.queueMs ?? null,
  ];
}

/**
 * Adds one delta row to a rollup table: values are the time bucket, the table's dims, then the
 * MEASURES, in that order (see rollup-batch.ts).
 */
export function upsertRollupSql(t: RollupTable): string {
  const key = [t.time, ...t.dims];
  const cols = [...key, ...MEASURES];
  return `INSERT INTO ${t.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(',')})
ON CONFLICT (${key.join(', ')}) DO UPDATE SET
  ${MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(',\n  ')}`;
}

/** The usage_hourly upsert (every rollup table has its own; see ROLLUP_TABLES). */
export const UPSERT_ROLLUP_SQL = upsertRollupSql(ROLLUP_TABLES[0]!);

export { HOUR_MS };

/** A record counts as an error when the client got an error status or a stream ended in one. */
export function isErrorRecord(r: Pick<LogRecord, 'status' | 'errorType'>): boolean {
  return r.status >= 400 || r.errorType != null;
}

/**
 * Builds a rollup table from usage_hourly in one statement (the bench's bulk load; the migration
 * that added the daily and per-dimension tables backfills them the same way).
 */
export function rollupFromHourlySql(t: RollupTable): string {
  const time = t.time === 'hour' ? 'hour' : `(hour / ${DAY_MS}) * ${DAY_MS}`;
  const key = [time, ...t.dims];
  return `INSERT INTO ${t.name} (${[t.time, ...t.dims, ...MEASURES].join(', ')})
SELECT ${[...key, ...MEASURES.map((m) => `sum(${m})`)].join(', ')}
FROM usage_hourly GROUP BY ${key.map((_, i) => i + 1).join(', ')}`;
}
