import { num, type Store } from '../db/store';

/**
 * USD spent by a key (`c:<id>`) or a team (`t:<id>`) since `from`, a UTC day boundary (every
 * budget period starts on one), read from the daily rollups the log writer keeps with each batch
 * of rows: a few rows per key or team whatever the traffic, and still there after raw-row
 * retention. A team's is usage_team_daily, summed by the team each row was admitted under, so a
 * key moved to another team or deleted leaves its spend where it was spent. Classifier calls
 * count (they are billed to the key). Read at start and on admin changes only, never per request.
 * Either store (PostgreSQL returns the sum as text; converted).
 *
 * `leaveOut`: requests whose rows are not counted, written or not (a shared counter adds their
 * cost itself): their rows' cost is taken off in the same statement, so one snapshot of the logs
 * answers, and a row written meanwhile is either in both parts or in neither. The rollups and
 * the rows are written in one transaction. Found through the scope's (client_id, created_at) index
 * within the period.
 */
export async function spendSince(store: Store, scopeKey: string, from: number, leaveOut: readonly string[] = []): Promise<number> {
  const team = scopeKey.startsWith('t:');
  const id = Number(scopeKey.slice(2));
  const rollup = team
    ? 'SELECT coalesce(sum(cost_usd), 0) FROM usage_team_daily WHERE team_id = ? AND day >= ?'
    : 'SELECT coalesce(sum(cost_usd), 0) FROM usage_client_daily WHERE client_id = ? AND day >= ?';
  if (!leaveOut.length) {
    const [row] = await store.all<{ a: unknown }>(`SELECT (${rollup}) AS a`, [id, from]);
    return num(row?.a);
  }
  // The ids as one JSON array: one bound value whatever their number.
  const ids = store.kind === 'postgres' ? 'SELECT jsonb_array_elements_text(CAST(? AS jsonb))' : 'SELECT value FROM json_each(?)';
  const rows = `SELECT coalesce(sum(cost_usd), 0) FROM request_logs WHERE ${team ? 'team_id' : 'client_id'} = ? AND created_at >= ? AND endpoint <> 'classifier' AND request_id IN (${ids})`;
  const [row] = await store.all<{ a: unknown; b: unknown }>(`SELECT (${rollup}) AS a, (${rows}) AS b`, [id, from, id, from, JSON.stringify(leaveOut)]);
  return num(row?.a) - num(row?.b);
}
