import { getTableColumns } from 'drizzle-orm';
import { requestLogs } from '../db/schema/request-logs';

/**
 * The one shape of a request log row, derived from the `request_logs` table (src/db/schema):
 * the request path builds it, the sinks write it, the reads return it and the monitor shows it.
 * A view that needs fewer fields takes a `Pick` of it.
 */

/** A row as stored: every column, `id` included (what the logs reads return). */
export type StoredLogRow = typeof requestLogs.$inferSelect;

/** Columns a builder may leave out: the sinks write the column's default (null, or 0 for the counts). */
type OptionalField = 'parentRequestId' | 'attempts' | 'images' | 'queueMs' | 'body' | 'providerKeyId' | 'cacheWriteTokens' | 'instance' | 'teamId' | 'costUnknown' | 'providerCostUsd' | 'computedCostUsd';

/** One request's accounting as the request path hands it to the log sink (the database assigns `id`). */
export type LogRow = Omit<StoredLogRow, 'id' | OptionalField> & Partial<Pick<StoredLogRow, OptionalField>>;

/** One column of the table: its key in LogRow, its SQL name, and what a missing value is written as. */
export interface LogColumn {
  key: Exclude<keyof StoredLogRow, 'id'>;
  name: string;
  /** Stored as 0/1 in SQLite. */
  boolean: boolean;
  numeric: boolean;
  /** The column's default, or null for a nullable column without one. */
  fallback: string | number | boolean | null;
}

/** Every column but `id`, in table order. */
export const LOG_COLUMNS: readonly LogColumn[] = Object.entries(getTableColumns(requestLogs))
  .filter(([key]) => key !== 'id')
  .map(([key, c]) => ({
    key: key as LogColumn['key'],
    name: c.name,
    boolean: c.columnType === 'SQLiteBoolean',
    numeric: c.dataType === 'number',
    fallback: c.hasDefault ? (c.default as LogColumn['fallback']) : null,
  }));

/**
 * What a row shows outside the database (GET /api/logs, the live monitor, the dashboard's lists):
 * accounting only. Bodies, attempt details and provider key ids stay in the table; an allow-list,
 * so a column added later is not shown by accident.
 */
export const PUBLIC_LOG_FIELDS = [
  'createdAt', 'requestId', 'parentRequestId', 'clientId', 'endpoint', 'modelRequested', 'model', 'provider', 'route',
  'stream', 'status', 'errorType', 'error', 'promptTokens', 'cachedTokens', 'completionTokens', 'reasoningTokens',
  'images', 'estimated', 'costUsd', 'latencyMs', 'ttfbMs', 'overheadMs', 'cacheWriteTokens', 'instance', 'costUnknown',
  'providerCostUsd', 'computedCostUsd', 'teamId',
] as const satisfies readonly LogColumn['key'][];
export type PublicLogField = (typeof PUBLIC_LOG_FIELDS)[number];

/** A row as the logs list reads it: the public fields and its id. */
export type ListedLogRow = Pick<StoredLogRow, 'id' | PublicLogField>;

/** `costUsd` -> `cost_usd`: the column name of each key (log-row.test.ts checks the table agrees). */
type ColumnName<S extends string> = S extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${ColumnName<T>}` : S;

/** The public fields under their column names: the JSON of GET /api/logs rows and of monitor events. */
export type LogJson = { [K in PublicLogField as ColumnName<K>]: StoredLogRow[K] } & { id?: number };

const PUBLIC_COLUMNS = LOG_COLUMNS.filter((c) => (PUBLIC_LOG_FIELDS as readonly string[]).includes(c.key));

/**
 * The one place a row changes shape: its public fields under their column names, a missing
 * optional field as the column's default (so a live row reads as it will once stored).
 */
export function logJson(row: Pick<LogRow, PublicLogField> & { id?: number }): LogJson {
  const out: Record<string, unknown> = row.id === undefined ? {} : { id: row.id };
  for (const c of PUBLIC_COLUMNS) out[c.name] = row[c.key as PublicLogField] ?? c.fallback;
  return out as LogJson;
}

/**
 * Bytes a row waiting to be written holds, about: a fixed part plus its long texts. With
 * LLM_PROXY__LOGGING__STORE_BODIES a row carries the request and the answer, so a queue bounded
 * by rows alone could hold gigabytes while the database refuses writes.
 */
export const logRowBytes = (r: LogRow): number => 512 + (r.body?.length ?? 0) + (r.attempts?.length ?? 0) + (r.error?.length ?? 0);

/** Bytes (logRowBytes) of the rows a sink holds unwritten at most; past it new rows are dropped and counted. */
export const MAX_LOG_QUEUE_BYTES = 256 * 1024 * 1024;
