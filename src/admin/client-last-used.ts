import { numOrNull, type Store } from '../db/store';

/**
 * When each client last made a request, read from what the log writer already keeps, so the
 * request path never writes clients.last_used_at:
 * 1. the newest raw row: `max(created_at) WHERE client_id = ?` is one seek at the end of that
 *    client's run in request_logs_client_created_idx;
 * 2. for a client with no raw rows left (retention removed them), its newest usage_client_hourly
 *    hour (hour-granular, the start of the hour it was last seen in): one seek at the end of its
 *    run in usage_client_hourly_client_idx. (Walking usage_hourly, whose key leads with the hour,
 *    read every row between the client's creation and the oldest raw row for each never-used key.)
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
  // Hours before the client existed are not its use (the hour holding its creation counts).
  const newestHour = async (c: LastUsedInput) =>
    numOrNull((await store.all<{ hour: unknown }>('SELECT max(hour) AS hour FROM usage_client_hourly WHERE client_id = ? AND hour >= ?', [c.id, Math.floor(c.created_at / HOUR_MS) * HOUR_MS]))[0]?.hour);
  for (const c of clients) out.set(c.id, (await newestRaw(c.id)) ?? (await newestHour(c)));
  return out;
}

/** One client's last use (see clientsLastUsed). */
export async function clientLastUsed(store: Pick<Store, 'all'>, client: LastUsedInput): Promise<number | null> {
  return (await clientsLastUsed(store, [client])).get(client.id) ?? null;
}
