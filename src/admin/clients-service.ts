import { desc, eq } from 'drizzle-orm';
import { CLIENT_KEY_PREFIX_LENGTH, generateClientKey, hashClientKey } from '../auth/client-key';
import { clients } from '../db/schema';
import { badRequest, notFound } from '../errors/api-error';
import type { AdminDeps } from './admin-deps';
import { clientsLastUsed } from './client-last-used';
import { scopeOf } from '../limits/build-key-limits';
import type { BudgetPeriod } from '../limits/limit-types';
import type { LimitsService } from '../limits/limits-service';
import { limitColumns, periodSpend, type LimitFieldsInput } from './limit-fields';

export interface ClientView {
  id: number;
  name: string;
  key_prefix: string;
  revoked: boolean;
  created_at: number;
  /** Newest request of this client (from the logs, or the hourly rollup once they expired); null if never used. */
  last_used_at: number | null;
  /** Limits (src/limits/): null means none. A team's limits apply on top. */
  team_id: number | null;
  models: string[] | null;
  budget_usd: number | null;
  budget_period: BudgetPeriod;
  rpm: number | null;
  tpm: number | null;
  max_parallel: number | null;
  /** ISO 8601 UTC, or null. */
  expires_at: string | null;
  /** Spend in the current budget period (USD). */
  spend_usd: number;
}

type Deps = AdminDeps & { limits?: LimitsService };

type Row = typeof clients.$inferSelect;
const view = (deps: Deps, r: Row, lastUsed: number | null = null): ClientView => ({
  id: r.id, name: r.name, key_prefix: r.keyPrefix, revoked: r.revoked, created_at: r.createdAt,
  // Nothing on the request path writes clients.last_used_at; the logs are the record.
  last_used_at: Math.max(r.lastUsedAt ?? 0, lastUsed ?? 0) || null,
  team_id: r.teamId, models: r.models, budget_usd: r.budgetUsd, budget_period: r.budgetPeriod, rpm: r.rpm, tpm: r.tpm,
  max_parallel: r.maxParallel, expires_at: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
  spend_usd: periodSpend(deps, scopeOf(`c:${r.id}`, r.name, r), [r.id]),
});

/** Rows as views with their last use read from the logs (one indexed lookup per client). */
function views(deps: Deps, rows: Row[]): ClientView[] {
  const last = clientsLastUsed(deps.sqlite, rows.map((r) => ({ id: r.id, created_at: r.createdAt })));
  return rows.map((r) => view(deps, r, last.get(r.id) ?? null));
}

function cleanName(name: string): string {
  const n = name.trim();
  if (!n) throw badRequest('The client name must not be empty.', 'name');
  if (n.length > 100) throw badRequest('The client name is too long (at most 100 characters).', 'name');
  return n;
}

/** Creates a client; the returned key is the only time it exists outside the caller's hands. */
export function createClient(deps: AdminDeps, name: string, limits: LimitFieldsInput = {}): { id: number; name: string; key: string } {
  const key = generateClientKey();
  const cols = limitColumns(deps, limits, 'client');
  const row = deps.db
    .insert(clients)
    .values({ ...cols, name: cleanName(name), keyHash: hashClientKey(key), keyPrefix: key.slice(0, CLIENT_KEY_PREFIX_LENGTH), createdAt: Date.now() })
    .returning()
    .get();
  deps.state.reload();
  return { id: row.id, name: row.name, key };
}

export function listClients(deps: AdminDeps): ClientView[] {
  return views(deps, deps.db.select().from(clients).orderBy(desc(clients.createdAt), desc(clients.id)).all());
}

/** Id -> name of every client (revoked ones too), without the last-use lookups. */
export function clientNames(deps: AdminDeps): Map<number, string> {
  return new Map(deps.db.select({ id: clients.id, name: clients.name }).from(clients).all().map((c) => [c.id, c.name]));
}

export function getClient(deps: AdminDeps, id: number): ClientView {
  const row = deps.db.select().from(clients).where(eq(clients.id, id)).get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  return views(deps, [row])[0]!;
}

export function renameClient(deps: AdminDeps, id: number, name: string): ClientView {
  const row = deps.db.update(clients).set({ name: cleanName(name) }).where(eq(clients.id, id)).returning().get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  deps.state.reload();
  return views(deps, [row])[0]!;
}

/** Revokes at once (the snapshot reloads); the row stays so logs keep their client name. */
/** PATCH: renames and/or changes limits (only the fields present); in force at once. */
export function updateClient(deps: Deps, id: number, input: LimitFieldsInput & { name?: string }): ClientView {
  const cols = limitColumns(deps, input, 'client');
  const name = input.name === undefined ? {} : { name: cleanName(input.name) };
  if (Object.keys(cols).length === 0 && !('name' in name)) return getClient(deps, id);
  const row = deps.db.update(clients).set({ ...cols, ...name }).where(eq(clients.id, id)).returning().get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  deps.state.reload();
  return views(deps, [row])[0]!;
}

export function revokeClient(deps: AdminDeps, id: number): ClientView {
  const row = deps.db.update(clients).set({ revoked: true }).where(eq(clients.id, id)).returning().get();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  deps.state.reload();
  return views(deps, [row])[0]!;
}
