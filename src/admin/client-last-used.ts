import { numOrNull, type Store } from '../db/store';

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

export async function clientsLastUsed(store: Pick<Store, 'all'>, clients: readonly LastUsedInput[]): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  if (clients.length === 0) return out;
  const newestRaw = async (id: number) => numOrNull((await store.all<{ t: unknown }>('SELECT max(created_at) AS t FROM request_logs WHERE client_id = ?', [id]))[0]?.t);
  const oldestRaw = numOrNull((await store.all<{ t: unknown }>('SELECT min(created_at) AS t FROM request_logs'))[0]?.t);
  const newestHour = async (id: number, from: number, to: number) =>
    numOrNull((await store.all<{ hour: unknown }>('SELECT hour FROM usage_hourly WHERE client_id = ? AND hour >= ? AND hour <= ? ORDER BY hour DESC LIMIT 1', [id, from, to]))[0]?.hour);
  for (const c of clients) {
    const raw = await newestRaw(c.id);
    if (raw !== null) {
      out.set(c.id, raw);
      continue;
    }
    const from = Math.floor(c.created_at / HOUR_MS) * HOUR_MS;
    const to = oldestRaw ?? Number.MAX_SAFE_INTEGER;
    const hour = from <= to ? await newestHour(c.id, from, to) : null;
    out.set(c.id, hour);
  }
  return out;
}

/** One client's last use (see clientsLastUsed). */
export async function clientLastUsed(store: Pick<Store, 'all'>, client: LastUsedInput): Promise<number | null> {
  return (await clientsLastUsed(store, [client])).get(client.id) ?? null;
}
