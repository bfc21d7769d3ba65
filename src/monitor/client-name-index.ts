import type { RuntimeSnapshot } from '../state/snapshot-types';

// The snapshot indexes clients by key hash (what the request path needs); the monitor needs them
// by id. One id -> name map per snapshot, built on first use and dropped with the snapshot.
const byId = new WeakMap<RuntimeSnapshot, Map<number, string>>();

/**
 * A client's name from the in-memory snapshot (never SQLite): the monitor names a client created
 * after the page loaded. Only the name; the snapshot's key hashes are not read out.
 */
export function clientNameIn(snap: RuntimeSnapshot, id: number | null): string | null {
  if (id === null) return null;
  let names = byId.get(snap);
  if (!names) {
    names = new Map();
    for (const c of snap.clientsByKeyHash.values()) names.set(c.id, c.name);
    byId.set(snap, names);
  }
  return names.get(id) ?? null;
}
