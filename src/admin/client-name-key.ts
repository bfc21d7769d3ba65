import { and, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { clients } from '../db/schema';
import { nameKey, startsWith } from './name-key';

/**
 * Client keys by name up to case (src/admin/name-key.ts), for the dashboard's key pickers: by the
 * stored `name_key`, and a key without one (made before it existed, or by an instance of an
 * earlier release still running beside this one) by its lower-cased name, as before.
 */

/** Keys whose name starts with `prefix` up to case, or undefined (every key) for a blank one. */
export function clientPrefixFilter(prefix: string): SQL | undefined {
  const key = nameKey(prefix);
  if (!key) return undefined;
  const p = startsWith(key);
  return or(sql`${clients.nameKey} like ${p} escape '\\'`, and(isNull(clients.nameKey), sql`lower(${clients.name}) like ${p} escape '\\'`));
}

/** Keys whose name is `name` up to case. */
export function clientNamedLike(name: string): SQL {
  const key = nameKey(name);
  return or(eq(clients.nameKey, key), and(isNull(clients.nameKey), sql`lower(${clients.name}) = ${key}`))!;
}

/**
 * Gives each key the name key of its name: those made before migration 0031 have none, and a key
 * renamed by an instance of an earlier release (beside this one during a rolling upgrade) kept
 * the key of its old name. Runs at every start (one read of every key's name); with several
 * instances each writes the same value.
 */
export async function fillClientNameKeys(db: Db): Promise<void> {
  const rows = await db.select({ id: clients.id, name: clients.name, key: clients.nameKey }).from(clients).orderBy(clients.id);
  for (const r of rows) {
    const key = nameKey(r.name);
    if (r.key !== key) await db.update(clients).set({ nameKey: key }).where(and(eq(clients.id, r.id), eq(clients.name, r.name)));
  }
}
