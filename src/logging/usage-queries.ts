import type { Database, SQLQueryBindings } from 'bun:sqlite';
import { rollupSource, type RollupFilter } from './rollup-plan';
import { DAY_MS, HOUR_MS, MEASURES, type RollupDim } from './rollup-tables';

/**
 * Read queries for the admin API and the dashboard. Everything except the logs page reads the
 * rollups (never the raw rows), so a chart costs the same with 10 million rows as with 10; which
 * rollup tables a query reads is planned in rollup-plan.ts. Time bounds are epoch milliseconds;
 * rollup queries are hour-granular (`from` is floored to its hour, an hour counts when it starts
 * before `to`).
 */

export interface UsageFilter {
  from?: number;
  to?: number;
  clientId?: number;
  provider?: string;
  model?: string;
}

export interface LogFilter extends UsageFilter {
  /** An HTTP status, or every failed request ('error') / every successful one ('ok'). */
  status?: number | 'error' | 'ok';
  /** One endpoint's rows (`chat`, `embeddings`, ...). */
  endpoint?: string;
  /** Paging: rows strictly older (in the list's order) than this row. */
  beforeId?: number;
  limit: number;
}

export interface LogRow {
  id: number;
  created_at: number;
  request_id: string;
  client_id: number | null;
  endpoint: string;
  model_requested: string;
  model: string | null;
  provider: string | null;
  route: string | null;
  stream: boolean;
  status: number;
  error_type: string | null;
  error: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  images: number;
  estimated: boolean;
  cost_usd: number;
  latency_ms: number;
  ttfb_ms: number | null;
  overhead_ms: number;
  cache_write_tokens: number;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  cache_write_tokens: number;
}

const TOTALS = `coalesce(sum(requests), 0) AS requests, coalesce(sum(errors), 0) AS errors,
  coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens, coalesce(sum(cached_tokens), 0) AS cached_tokens,
  coalesce(sum(cost_usd), 0) AS cost_usd, coalesce(sum(latency_ms_sum), 0) AS latency_ms_sum,
  coalesce(sum(overhead_ms_sum), 0) AS overhead_ms_sum,
  coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens`;

const filterOf = (f: UsageFilter): RollupFilter => ({ client_id: f.clientId, provider: f.provider, model: f.model });

/** Rows of the planned rollup reads for `f`, as a FROM source with `t`, `groupDims` and the sums. */
const source = (f: UsageFilter, groupDims: readonly RollupDim[], grain: 'hour' | 'day') =>
  rollupSource(groupDims, filterOf(f), { from: f.from, to: f.to }, grain);

const round = (usd: number) => Math.round(usd * 1e9) / 1e9;

function totals(row: Record<string, number>): UsageTotals & { avg_latency_ms: number; avg_overhead_ms: number } {
  const requests = row.requests ?? 0;
  return {
    requests,
    errors: row.errors ?? 0,
    prompt_tokens: row.prompt_tokens ?? 0,
    completion_tokens: row.completion_tokens ?? 0,
    reasoning_tokens: row.reasoning_tokens ?? 0,
    cached_tokens: row.cached_tokens ?? 0,
    cost_usd: round(row.cost_usd ?? 0),
    cache_write_tokens: row.cache_write_tokens ?? 0,
    avg_latency_ms: requests ? Math.round(((row.latency_ms_sum ?? 0) / requests) * 10) / 10 : 0,
    avg_overhead_ms: requests ? Math.round(((row.overhead_ms_sum ?? 0) / requests) * 100) / 100 : 0,
  };
}

/** Totals over a time range; `requests` counts every client request, failed ones included. */
export function usageSummary(sqlite: Database, f: UsageFilter = {}) {
  const src = source(f, [], 'day');
  return totals(sqlite.query(`SELECT ${TOTALS} FROM ${src.sql}`).get(...src.args) as Record<string, number>);
}

export type Bucket = 'hour' | 'day';
const BUCKET_MS: Record<Bucket, number> = { hour: HOUR_MS, day: DAY_MS };
/** Beyond this many buckets the gaps are not filled with zero rows. */
const MAX_FILLED_BUCKETS = 10_000;

/** Totals per UTC hour or day, oldest first; empty buckets inside [from, to) come back as zeros. */
export function usageTimeseries(sqlite: Database, bucket: Bucket, f: UsageFilter & { from: number; to: number }) {
  const size = BUCKET_MS[bucket];
  // Daily buckets read whole days from the daily rollups; the hours of partial edge days fold
  // into their day here.
  const src = source(f, [], bucket);
  const rows = sqlite.query(`SELECT t, ${TOTALS} FROM ${src.sql} GROUP BY t`).all(...src.args) as Record<string, number>[];
  const byT = new Map<number, Record<string, number>>();
  for (const h of rows) {
    const t = Math.floor(h.t! / size) * size;
    const acc = byT.get(t);
    if (!acc) byT.set(t, { ...h, t });
    else for (const k of MEASURES) acc[k] = (acc[k] ?? 0) + (h[k] ?? 0);
  }
  const first = Math.floor(f.from / size) * size;
  if ((f.to - first) / size > MAX_FILLED_BUCKETS) return [...byT.values()].sort((x, y) => x.t! - y.t!).map((r) => ({ t: r.t!, ...totals(r) }));
  const out = [];
  for (let t = first; t < f.to; t += size) out.push({ t, ...totals(byT.get(t) ?? {}) });
  return out;
}

export type BreakdownBy = 'provider' | 'model' | 'client';

/** Totals per provider, model or client over a range, most expensive first. */
export function usageBreakdown(sqlite: Database, by: BreakdownBy, f: UsageFilter = {}, limit = 100) {
  const dim: RollupDim = by === 'client' ? 'client_id' : by;
  const src = source(f, [dim], 'day');
  if (by === 'client') {
    // Aggregate first, then name the (few) groups: joining before grouping would look up every row.
    const rows = sqlite
      .query(
        `SELECT a.*, c.name AS label FROM (SELECT client_id AS key, ${TOTALS} FROM ${src.sql} GROUP BY client_id) a
         LEFT JOIN clients c ON c.id = a.key ORDER BY a.cost_usd DESC, a.requests DESC LIMIT ?`,
      )
      .all(...src.args, limit) as Record<string, any>[];
    // client 0 is "no client": requests refused before a key was recognised
    return rows.map((r) => ({ key: r.key === 0 ? null : r.key, label: r.label ?? (r.key === 0 ? '(none)' : `#${r.key}`), ...totals(r) }));
  }
  const rows = sqlite
    .query(`SELECT ${dim} AS key, ${TOTALS} FROM ${src.sql} GROUP BY ${dim} ORDER BY cost_usd DESC, requests DESC LIMIT ?`)
    .all(...src.args, limit) as Record<string, any>[];
  return rows.map((r) => ({ key: r.key === '' ? null : r.key, label: r.key === '' ? '(none)' : r.key, ...totals(r) }));
}

const LOG_COLUMNS = `id, created_at, request_id, client_id, endpoint, model_requested, model, provider, route,
  stream, status, error_type, error, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens,
  images, estimated, cost_usd, latency_ms, ttfb_ms, overhead_ms, cache_write_tokens`;

/**
 * One page of raw request rows, newest first. Ordered by (created_at, id) so every filter's
 * (column, created_at) index — whose implicit last column is the rowid — serves the order without
 * a sort; `beforeId` continues after a row of the previous page.
 */
export function listLogs(sqlite: Database, f: LogFilter): LogRow[] {
  const parts: string[] = [];
  const args: SQLQueryBindings[] = [];
  if (f.from !== undefined) parts.push('created_at >= ?'), args.push(f.from);
  if (f.to !== undefined) parts.push('created_at < ?'), args.push(f.to);
  if (f.clientId !== undefined) parts.push('client_id = ?'), args.push(f.clientId);
  if (f.provider !== undefined) parts.push('provider = ?'), args.push(f.provider);
  if (f.model !== undefined) parts.push('model = ?'), args.push(f.model);
  if (f.endpoint !== undefined) parts.push('endpoint = ?'), args.push(f.endpoint);
  if (f.status === 'error') parts.push('(status >= 400 OR error_type IS NOT NULL)');
  else if (f.status === 'ok') parts.push('(status < 400 AND error_type IS NULL)');
  else if (f.status !== undefined) parts.push('status = ?'), args.push(f.status);
  if (f.beforeId !== undefined) {
    const anchor = sqlite.query('SELECT created_at FROM request_logs WHERE id = ?').get(f.beforeId) as { created_at: number } | null;
    // The anchor row may have been purged by retention since the last page; ids still order rows.
    if (anchor) parts.push('(created_at, id) < (?, ?)'), args.push(anchor.created_at, f.beforeId);
    else parts.push('id < ?'), args.push(f.beforeId);
  }
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  const rows = sqlite
    .query(`SELECT ${LOG_COLUMNS} FROM request_logs ${where} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .all(...args, f.limit) as (Omit<LogRow, 'stream' | 'estimated'> & { stream: number; estimated: number })[];
  return rows.map((r) => ({ ...r, stream: r.stream === 1, estimated: r.estimated === 1 }));
}
