import { and, desc, eq, gte, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { FAILED_ROW, requestLogs, type LOG_ENDPOINTS } from '../db/schema/request-logs';
import { num, type Store } from '../db/store';
import { binaryCollate } from '../db/text-order';
import { PUBLIC_LOG_FIELDS, type ListedLogRow } from './log-row';
import { rollupSource, type RollupFilter } from './rollup-plan';
import { DAY_MS, HOUR_MS, MEASURES, type RollupDim } from './rollup-tables';
import { roundUsd } from '../usage/cost';

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
  /**
   * Rows admitted under one team (the row's `team_id`: the key's team then). Rollup reads take it
   * from usage_team_full_*; the logs list seeks request_logs_team_created_idx.
   */
  teamId?: number;
}

export interface LogFilter extends UsageFilter {
  /**
   * (Overrides UsageFilter's meaning for the logs list.) Rows whose requested model OR used model
   * is this name: a group name, an unknown model or a refused request finds its rows by the name
   * the client asked for, and a concrete model still finds every row served by it.
   */
  model?: string;
  /** An HTTP status, or every failed request ('error') / every successful one ('ok'). */
  status?: number | 'error' | 'ok';
  /** One endpoint's rows (`chat`, `embeddings`, ...). */
  endpoint?: (typeof LOG_ENDPOINTS)[number];
  /** The row of one request: the id its answer carried as x-request-id (request_logs_request_id_idx). */
  requestId?: string;
  /** Paging: rows strictly older (in the list's order) than this row. */
  beforeId?: number;
  limit: number;
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

const filterOf = (f: UsageFilter): RollupFilter => ({ client_id: f.clientId, provider: f.provider, model: f.model, team_id: f.teamId });

/** Rows of the planned rollup reads for `f`, as a FROM source with `t`, `groupDims` and the sums. */
const source = (f: UsageFilter, groupDims: readonly RollupDim[], grain: 'hour' | 'day') =>
  rollupSource(groupDims, filterOf(f), { from: f.from, to: f.to }, grain);


/** A raw rollup row with every measure a number (PostgreSQL returns sums of bigint as text). */
function measures(row: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of MEASURES) out[m] = num(row[m]);
  if (row.t !== undefined) out.t = num(row.t);
  return out;
}

/** Raw SQL of these queries reads from either store. */
type Reader = Pick<Store, 'all' | 'kind'>;

function totals(raw: Record<string, unknown>): UsageTotals & { avg_latency_ms: number; avg_overhead_ms: number } {
  const row = measures(raw);
  const requests = row.requests ?? 0;
  return {
    requests,
    errors: row.errors ?? 0,
    prompt_tokens: row.prompt_tokens ?? 0,
    completion_tokens: row.completion_tokens ?? 0,
    reasoning_tokens: row.reasoning_tokens ?? 0,
    cached_tokens: row.cached_tokens ?? 0,
    cost_usd: roundUsd(row.cost_usd ?? 0),
    cache_write_tokens: row.cache_write_tokens ?? 0,
    avg_latency_ms: requests ? Math.round(((row.latency_ms_sum ?? 0) / requests) * 10) / 10 : 0,
    avg_overhead_ms: requests ? Math.round(((row.overhead_ms_sum ?? 0) / requests) * 100) / 100 : 0,
  };
}

/** The totals of nothing (a page that read no usage). */
export const NO_USAGE = totals({});

/** Totals over a time range; `requests` counts every client request, failed ones included. */
export async function usageSummary(store: Reader, f: UsageFilter = {}) {
  const src = source(f, [], 'day');
  return totals((await store.all(`SELECT ${TOTALS} FROM ${src.sql} AS src`, src.args))[0] ?? {});
}

export type Bucket = 'hour' | 'day';
const BUCKET_MS: Record<Bucket, number> = { hour: HOUR_MS, day: DAY_MS };
/** Beyond this many buckets the gaps are not filled with zero rows. */
const MAX_FILLED_BUCKETS = 10_000;

/** Totals per UTC hour or day, oldest first; empty buckets inside [from, to) come back as zeros. */
export async function usageTimeseries(store: Reader, bucket: Bucket, f: UsageFilter & { from: number; to: number }) {
  const size = BUCKET_MS[bucket];
  // Daily buckets read whole days from the daily rollups; the hours of partial edge days fold
  // into their day here.
  const src = source(f, [], bucket);
  const rows = (await store.all(`SELECT t, ${TOTALS} FROM ${src.sql} AS src GROUP BY t`, src.args)).map(measures);
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
export async function usageBreakdown(store: Reader, by: BreakdownBy, f: UsageFilter = {}, limit = 100) {
  const dim: RollupDim = by === 'client' ? 'client_id' : by;
  const src = source(f, [dim], 'day');
  if (by === 'client') {
    // Aggregate first, then name the (few) groups: joining before grouping would look up every row.
    const rows = (
      await store.all<Record<string, any>>(
        `SELECT a.*, c.name AS label FROM (SELECT client_id AS key, ${TOTALS} FROM ${src.sql} AS src GROUP BY client_id) a
         LEFT JOIN clients c ON c.id = a.key ORDER BY a.cost_usd DESC, a.requests DESC, a.key LIMIT ?`,
        [...src.args, limit],
      )
    ).map((r): Record<string, any> => ({ ...r, key: num(r.key) }));
    // client 0 is "no client": requests refused before a key was recognised
    return rows.map((r) => ({ key: r.key === 0 ? null : r.key, label: r.label ?? (r.key === 0 ? '(none)' : `#${r.key}`), ...totals(r) }));
  }
  const rows = await store.all<Record<string, any>>(
    // Ties (models that cost nothing, say) in name order, the same on both stores.
    `SELECT ${dim} AS key, ${TOTALS} FROM ${src.sql} AS src GROUP BY ${dim} ORDER BY cost_usd DESC, requests DESC, ${dim}${binaryCollate(store.kind)} LIMIT ?`,
    [...src.args, limit],
  );
  return rows.map((r) => ({ key: r.key === '' ? null : r.key, label: r.key === '' ? '(none)' : r.key, ...totals(r) }));
}

/**
 * Totals of these clients over a range, by client id (the Clients page's page of keys). Not the
 * top N of usageBreakdown: past its limit, a key that had requests read 0 of them.
 */
export async function usageOfClients(store: Reader, ids: readonly number[], f: UsageFilter = {}) {
  if (ids.length === 0) return new Map<number, ReturnType<typeof totals>>();
  const src = source(f, ['client_id'], 'day');
  const rows = await store.all<Record<string, unknown>>(
    `SELECT client_id AS key, ${TOTALS} FROM ${src.sql} AS src WHERE client_id IN (${ids.map(() => '?').join(', ')}) GROUP BY client_id`,
    [...src.args, ...ids],
  );
  return new Map(rows.map((r) => [num(r.key), totals(r)]));
}

/** The columns the logs list reads: the public ones and the id. */
const LISTED = Object.fromEntries(['id', ...PUBLIC_LOG_FIELDS].map((k) => [k, requestLogs[k as keyof typeof requestLogs]])) as {
  [K in keyof ListedLogRow]: (typeof requestLogs)[K];
};

/**
 * One page of raw request rows, newest first. Ordered by (created_at, id) so every filter's
 * (column, created_at) index — whose implicit last column is the rowid — serves the order without
 * a sort; `beforeId` continues after a row of the previous page.
 */
export async function listLogs(store: Pick<Store, 'db'>, f: LogFilter): Promise<ListedLogRow[]> {
  const t = requestLogs;
  const where: SQL[] = [];
  if (f.from !== undefined) where.push(gte(t.createdAt, f.from));
  if (f.to !== undefined) where.push(lt(t.createdAt, f.to));
  if (f.clientId !== undefined) where.push(eq(t.clientId, f.clientId));
  if (f.provider !== undefined) where.push(eq(t.provider, f.provider));
  if (f.endpoint !== undefined) where.push(eq(t.endpoint, f.endpoint));
  if (f.teamId !== undefined) where.push(eq(t.teamId, f.teamId));
  if (f.requestId !== undefined) where.push(eq(t.requestId, f.requestId));
  if (f.status === 'error') where.push(FAILED_ROW(t));
  else if (f.status === 'ok') where.push(and(lt(t.status, 400), isNull(t.errorType))!);
  else if (f.status !== undefined) where.push(eq(t.status, f.status));
  if (f.beforeId !== undefined) {
    const [anchor] = await store.db.select({ createdAt: t.createdAt }).from(t).where(eq(t.id, f.beforeId));
    // The anchor row may have been purged by retention since the last page; ids still order rows.
    where.push(anchor ? sql`(${t.createdAt}, ${t.id}) < (${anchor.createdAt}, ${f.beforeId})` : lt(t.id, f.beforeId));
  }
  if (f.model !== undefined) {
    // model OR model_requested: each side walks its own (column, created_at) index newest first and
    // stops after a page, so at most two pages are sorted. (A plain OR merged every row of the
    // model before sorting: 3.5 s with the event loop held, for a model with 1M of 2M rows.)
    const others = and(...where);
    const side = (col: typeof t.model | typeof t.modelRequested, alias: string) =>
      sql`SELECT ${sql.raw(alias)}.id FROM (SELECT ${t.id} AS id FROM ${t} WHERE ${and(eq(col, f.model!), others)} ORDER BY ${t.createdAt} DESC, ${t.id} DESC LIMIT ${f.limit}) AS ${sql.raw(alias)}`;
    where.push(sql`${t.id} IN (${side(t.model, 'by_model')} UNION ${side(t.modelRequested, 'by_requested')})`);
  }
  return store.db.select(LISTED).from(t).where(and(...where)).orderBy(desc(t.createdAt), desc(t.id)).limit(f.limit);
}
