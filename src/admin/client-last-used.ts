import type { Database } from 'bun:sqlite';

/**
 * When each client last made a request, read from what the log writer already keeps, so the
 * request path never writes clients.last_used_at:
 * 1. the newest raw row: `max(created_at) WHERE client_id = ?` is one seek at the end of that
 *    client's run in request_logs_client_created_idx;
 * 2. for a client with no raw rows left (retention removed them), the newest usage_hourly hour
 *    (hour-granular, the start of the hour it was last seen in).
 *
 * usage_hourly's key leads with the hour, so step 2 walks hours backwards and stops at the first
 * row of the client. The walk is bounded to [the client's creation, the oldest raw row): a client
 * with no raw rows cannot have been seen after the oldest surviving row, and cannot have been seen
 * before it existed. A never-used client created after the oldest raw row costs nothing.
 */
export interface LastUsedInput {
  id: number;
  created_at: number;
}

const HOUR_MS = 3_600_000;

export function clientsLastUsed(sqlite: Database, clients: readonly LastUsedInput[]): Map<number, number | null> {
  const out = new Map<number, number | null>();
  if (clients.length === 0) return out;
  const newestRaw = sqlite.query('SELECT max(created_at) AS t FROM request_logs WHERE client_id = ?');
  const oldestRaw = (sqlite.query('SELECT min(created_at) AS t FROM request_logs').get() as { t: number | null }).t;
  const newestHour = sqlite.query(
    'SELECT hour FROM usage_hourly WHERE client_id = ? AND hour >= ? AND hour <= ? ORDER BY hour DESC LIMIT 1',
  );
  for (const c of clients) {
    const raw = (newestRaw.get(c.id) as { t: number | null }).t;
    if (raw !== null) {
      out.set(c.id, raw);
      continue;
    }
    const from = Math.floor(c.created_at / HOUR_MS) * HOUR_MS;
    const to = oldestRaw ?? Number.MAX_SAFE_INTEGER;
    const hour = from <= to ? (newestHour.get(c.id, from, to) as { hour: number } | null)?.hour ?? null : null;
    out.set(c.id, hour);
  }
  return out;
}

/** One client's last use (see clientsLastUsed). */
export function clientLastUsed(sqlite: Database, client: LastUsedInput): number | null {
  return clientsLastUsed(sqlite, [client]).get(client.id) ?? null;
}
