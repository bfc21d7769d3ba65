import { num, type Store } from '../db/store';

/**
 * USD spent by a key (`c:<id>`) or a team (`t:<id>`) since `from`, a UTC day boundary (every
 * budget period starts on one), read from the daily rollups the log writer keeps with each batch
 * of rows: a few rows per key or team whatever the traffic, and still there after raw-row
 * retention. A team's is usage_team_daily, summed by the team each row was admitted under, so a
 * key moved to another team or deleted leaves its spend where it was spent. Classifier calls
 * count (they are billed to the key). Read at start and on admin changes only, never per request.
 * Either store (PostgreSQL returns the sum as text; converted).
 */
export async function spendSince(store: Store, scopeKey: string, from: number): Promise<number> {
  const team = scopeKey.startsWith('t:');
  const [row] = await store.all<{ s: unknown }>(
    team
      ? 'SELECT coalesce(sum(cost_usd), 0) AS s FROM usage_team_daily WHERE team_id = ? AND day >= ?'
      : 'SELECT coalesce(sum(cost_usd), 0) AS s FROM usage_client_daily WHERE client_id = ? AND day >= ?',
    [Number(scopeKey.slice(2)), from],
  );
  return num(row?.s);
}
