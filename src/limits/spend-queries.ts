import type { Database } from 'bun:sqlite';

/**
 * USD spent by these clients since `from`, a UTC day boundary (every budget period starts on one),
 * read from the per-client daily rollup the log writer keeps with each batch of rows: a few rows
 * per client whatever the traffic, and still there after raw-row retention. Classifier calls count
 * (they are billed to the key). Read at start and on admin changes only, never per request.
 */
export function spendSince(sqlite: Database, clientIds: readonly number[], from: number): number {
  if (clientIds.length === 0) return 0;
  const ids = clientIds.map(() => '?').join(',');
  return (sqlite
    .query(`SELECT coalesce(sum(cost_usd), 0) AS s FROM usage_client_daily WHERE client_id IN (${ids}) AND day >= ?`)
    .get(...clientIds, from) as { s: number }).s;
}
