import { desc, eq } from 'drizzle-orm';
import { CLIENT_KEY_PREFIX_LENGTH, generateClientKey, hashClientKey } from '../auth/client-key';
import { clients } from '../db/schema';
import { badRequest, notFound } from '../errors/api-error';
import type { AdminDeps } from './admin-deps';

export interface ClientView {
  id: number;
  name: string;
  key_prefix: string;
  revoked: boolean;
  created_at: number;
  last_used_at: number | null;
}

type Row = typeof clients.$inferSelect;
const view = (r: Row): ClientView => ({
  id: r.id, name: r.name, key_prefix: r.keyPrefix, revoked: r.revoked, created_at: r.createdAt, last_used_at: r.lastUsedAt,
});

function cleanName(name: string): string {
  const n = name.trim();
  if (!n) throw badRequest('The client name must not be empty.', 'name');
  if (n.length > 100) throw badRequest('The client name is too long (at most 100 characters).', 'name');
  return n;
}

/** Creates a client; the returned key is the only time it exists outside the caller's hands. */
export function createClient(deps: AdminDeps, name: string): { id: number; name: string; key: string } {
  const key = generateClientKey();
  const row = deps.db
    .insert(clients)
    .values({ name: cleanName(name), keyHash: hashClientKey(key), keyPrefix: key.slice(0, CLIENT_KEY_PREFIX_LENGTH), createdAt: Date.now() })
    .returning()
    .get();
  deps.state.reload();
  return { id: row.id, name: row.name, key };
}

export function listClients(deps: AdminDeps): ClientView[] {
  return deps.db.select().from(clients).orderBy(desc(clients.createdAt), desc(clients.id)).all().map(view);
}

export function getClient(deps: AdminDeps, id: number): ClientView {
  const row = deps.db.select().from(clients).where(eq(clients.id, id)).get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  return view(row);
}

export function renameClient(deps: AdminDeps, id: number, name: string): ClientView {
  const row = deps.db.update(clients).set({ name: cleanName(name) }).where(eq(clients.id, id)).returning().get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  deps.state.reload();
  return view(row);
}

/** Revokes at once (the snapshot reloads); the row stays so logs keep their client name. */
export function revokeClient(deps: AdminDeps, id: number): ClientView {
  const row = deps.db.update(clients).set({ revoked: true }).where(eq(clients.id, id)).returning().get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  deps.state.reload();
  return view(row);
}
