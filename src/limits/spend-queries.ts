import type { Database } from 'bun:sqlite';

const HOUR_MS = 3_600_000;

/**
 * USD spent by these clients since `from` (an hour boundary: every budget period starts on one).
 * Raw log rows where they still exist; hours whose raw rows retention already removed come from
 * the per-client hourly rollup (the hour holding the oldest raw row is taken whole from it).
 * Read at start and on admin changes only, never per request.
 */
export function spendSince(sqlite: Database, clientIds: readonly number[], from: number): number {
  if (clientIds.length === 0) return 0;
  const ids = clientIds.map(() => '?').join(',');
  const oldest = (sqlite.query('SELECT min(created_at) AS t FROM request_logs').get() as { t: number | null }).t;
  let rawFrom = from;
  let rolled = 0;
  if (oldest !== null && oldest > from) {
    rawFrom = Math.floor(oldest / HOUR_MS) * HOUR_MS + HOUR_MS;
    rolled = (sqlite
      .query(`SELECT coalesce(sum(cost_usd), 0) AS s FROM usage_client_hourly WHERE client_id IN (${ids}) AND hour >= ? AND hour < ?`)
      .get(...clientIds, from, rawFrom) as { s: number }).s;
  }
  const raw = (sqlite
    .query(`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id IN (${ids}) AND created_at >= ?`)
    .get(...clientIds, rawFrom) as { s: number }).s;
  return raw + rolled;
}
