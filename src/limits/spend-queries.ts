import { num, type Store } from '../db/store';
import type { LogRow } from '../logging/log-row';

/**
 * USD spent by a key (`c:<id>`) or a team (`t:<id>`) since `from`, a UTC day boundary (every
 * budget period starts on one), read from the daily rollups the log writer keeps with each batch
 * of rows: a few rows per key or team whatever the traffic, and still there after raw-row
 * retention. A team's is usage_team_daily, summed by the team each row was admitted under, so a
 * key moved to another team or deleted leaves its spend where it was spent. Classifier calls
 * count (they are billed to the key). Read at start and on admin changes only, never per request.
 * Either store (PostgreSQL returns the sum as text; converted).
 *
 * `unstored`: rows of the scope the log writer was handed but may not have stored yet
 * (LogSink.unwritten, filtered by unwrittenOfScope). Those the store does not hold, asked in the
 * same statement as the sum (one snapshot: a batch committed meanwhile is counted once, either
 * way), are added.
 */
export async function spendSince(store: Store, scopeKey: string, from: number, unstored: readonly LogRow[] = []): Promise<number> {
  const where = scopeKey.startsWith('t:') ? 'usage_team_daily WHERE team_id' : 'usage_client_daily WHERE client_id';
  const args = [Number(scopeKey.slice(2)), from];
  if (unstored.length === 0) {
    const [row] = await store.all<{ s: unknown }>(`SELECT coalesce(sum(cost_usd), 0) AS s FROM ${where} = ? AND day >= ?`, args);
    return num(row?.s);
  }
  const ids = JSON.stringify(unstored.map((r) => r.requestId));
  const found = store.kind === 'postgres'
    ? "(SELECT coalesce(json_agg(DISTINCT request_id), '[]'::json)::text FROM request_logs WHERE request_id IN (SELECT json_array_elements_text(?::text::json)))"
    : "(SELECT coalesce(json_group_array(DISTINCT request_id), '[]') FROM request_logs WHERE request_id IN (SELECT value FROM json_each(?)))";
  const [row] = await store.all<{ s: unknown; found: string }>(`SELECT (SELECT coalesce(sum(cost_usd), 0) FROM ${where} = ? AND day >= ?) AS s, ${found} AS found`, [...args, ids]);
  const stored = new Set<string>(JSON.parse(row?.found ?? '[]'));
  let spend = num(row?.s);
  for (const r of unstored) if (!stored.has(r.requestId)) spend += r.costUsd;
  return spend;
}

/** The rows of `unwritten` billed to the scope (`c:<id>` or `t:<id>`) in the period from `from`, at a cost. */
export function unwrittenOfScope(unwritten: Iterable<LogRow>, scopeKey: string, from: number): LogRow[] {
  const team = scopeKey.startsWith('t:');
  const id = Number(scopeKey.slice(2));
  const out: LogRow[] = [];
  for (const r of unwritten) if (r.costUsd > 0 && r.createdAt >= from && (team ? r.teamId : r.clientId) === id) out.push(r);
  return out;
}
