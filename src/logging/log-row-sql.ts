import { LOG_COLUMNS, type LogRow } from './log-row';
import { DAY_MS, HOUR_MS, MEASURES, ROLLUP_TABLES, type RollupTable } from './rollup-tables';

/** The columns a log row is inserted with (every column but `id`), in table order. */
export const LOG_INSERT_COLUMNS: readonly string[] = LOG_COLUMNS.map((c) => c.name);

/**
 * Raw SQL for the writer's hot path. One prepared statement bound with positional values is
 * several times faster than drizzle's multi-row insert builder, and this runs for every request.
 */
export const INSERT_LOG_SQL = `INSERT INTO request_logs (${LOG_INSERT_COLUMNS.join(', ')}) VALUES (${LOG_INSERT_COLUMNS.map(() => '?').join(',')})`;

export type LogRowValues = (string | number | null)[];

/** Values for INSERT_LOG_SQL, in column order: booleans as 0/1, a missing or non-finite count as the column's default. */
export function logRowValues(r: LogRow): LogRowValues {
  const out: LogRowValues = new Array(LOG_COLUMNS.length);
  for (let i = 0; i < LOG_COLUMNS.length; i++) {
    const c = LOG_COLUMNS[i]!;
    const v = r[c.key];
    if (c.boolean) out[i] = v ? 1 : 0;
    else if (c.numeric) out[i] = typeof v === 'number' && Number.isFinite(v) ? v : (c.fallback as number | null);
    else out[i] = (v ?? c.fallback) as string | null;
  }
  return out;
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
export function isErrorRecord(r: Pick<LogRow, 'status' | 'errorType'>): boolean {
  return r.status >= 400 || r.errorType != null;
}

/**
 * Builds a rollup table from an hourly one holding all its dims in one statement (the bench's bulk
 * load; the migration that added the daily and per-dimension tables backfills them the same way).
 * From usage_hourly by default, which has no team: the team tables fold from usage_team_full_hourly.
 */
export function rollupFromHourlySql(t: RollupTable, hourly = ROLLUP_TABLES[0]!.name): string {
  const time = t.time === 'hour' ? 'hour' : `(hour / ${DAY_MS}) * ${DAY_MS}`;
  const key = [time, ...t.dims];
  return `INSERT INTO ${t.name} (${[t.time, ...t.dims, ...MEASURES].join(', ')})
SELECT ${[...key, ...MEASURES.map((m) => `sum(${m})`)].join(', ')}
FROM ${hourly} GROUP BY ${key.map((_, i) => i + 1).join(', ')}`;
}
