import { desc, eq, lt, sql } from 'drizzle-orm';
import { CLIENT_KEY_PREFIX_LENGTH, generateClientKey, hashClientKey } from '../auth/client-key';
import { clients } from '../db/schema';
import { badRequest, notFound } from '../errors/api-error';
import type { AdminDeps } from './admin-deps';
import { checkAdminName } from './admin-names';
import type { ListPage } from './list-page';
import { clientsLastUsed } from './client-last-used';
import { scopeOf } from '../limits/build-key-limits';
import type { BudgetPeriod } from '../limits/limit-types';
import type { LimitsService } from '../limits/limits-service';
import { limitColumns, periodSpend, type LimitFieldsInput, type PeriodSpend } from './limit-fields';
import { nameKey } from './name-key';

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
  /** ISO 8601 UTC when the current budget period ends and spend_usd restarts at 0; null for `total`. */
  budget_resets_at: string | null;
}

type Deps = AdminDeps & { limits?: LimitsService };

type Row = typeof clients.$inferSelect;
const view = (r: Row, lastUsed: number | null, spend: PeriodSpend): ClientView => ({
  id: r.id, name: r.name, key_prefix: r.keyPrefix, revoked: r.revoked, created_at: r.createdAt,
  // Nothing on the request path writes clients.last_used_at; the logs are the record.
  last_used_at: Math.max(r.lastUsedAt ?? 0, lastUsed ?? 0) || null,
  team_id: r.teamId, models: r.models, budget_usd: r.budgetUsd, budget_period: r.budgetPeriod, rpm: r.rpm, tpm: r.tpm,
  max_parallel: r.maxParallel, expires_at: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
  ...spend,
});

/** Rows as views with their last use read from the logs (one indexed lookup per client). */
async function views(deps: Deps, rows: Row[]): Promise<ClientView[]> {
  const last = await clientsLastUsed(deps.store, rows.map((r) => ({ id: r.id, created_at: r.createdAt })));
  const spend = await Promise.all(rows.map((r) => periodSpend(deps, scopeOf(`c:${r.id}`, r.name, r))));
  return rows.map((r, i) => view(r, last.get(r.id) ?? null, spend[i]!));
}

function cleanName(name: string): string {
  const n = name.trim();
  if (!n) throw badRequest('The client name must not be empty.', 'name');
  if (n.length > 100) throw badRequest('The client name is too long (at most 100 characters).', 'name');
  checkAdminName(n, 'name', 'client name');
  return n;
}

/** A checked name with its name key (src/admin/name-key.ts), as a row stores them. */
const named = (name: string) => {
  const n = cleanName(name);
  return { name: n, nameKey: nameKey(n) };
};

/** Creates a client; the returned key is the only time it exists outside the caller's hands. */
export async function createClient(deps: AdminDeps, name: string, limits: LimitFieldsInput = {}): Promise<{ id: number; name: string; key: string }> {
  const key = generateClientKey();
  const cols = await limitColumns(deps, limits, 'client');
  const [row] = await deps.db
    .insert(clients)
    .values({ ...cols, ...named(name), keyHash: hashClientKey(key), keyPrefix: key.slice(0, CLIENT_KEY_PREFIX_LENGTH), createdAt: Date.now() })
    .returning();
  await deps.state.refresh();
  return { id: row!.id, name: row!.name, key };
}

/**
 * Newest first; a page (`cursor`: the last id of the previous page, as /api/logs' `before_id`)
 * continues after that key, the whole rest of the list without `limit`.
 */
export async function listClients(deps: AdminDeps, page: ListPage = {}): Promise<ClientView[]> {
  let after;
  if (page.cursor !== undefined) {
    const [anchor] = await deps.db.select({ createdAt: clients.createdAt }).from(clients).where(eq(clients.id, page.cursor));
    // Keys are revoked, never deleted, so the anchor is there; an id never issued continues below it.
    after = anchor ? sql`(${clients.createdAt}, ${clients.id}) < (${anchor.createdAt}, ${page.cursor})` : lt(clients.id, page.cursor);
  }
  const q = deps.db.select().from(clients).where(after).orderBy(desc(clients.createdAt), desc(clients.id));
  return views(deps, await (page.limit === undefined ? q : q.limit(page.limit)));
}

export async function getClient(deps: AdminDeps, id: number): Promise<ClientView> {
  const [row] = await deps.db.select().from(clients).where(eq(clients.id, id));
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  return (await views(deps, [row]))[0]!;
}

export async function renameClient(deps: AdminDeps, id: number, name: string): Promise<ClientView> {
  const [row] = await deps.db.update(clients).set(named(name)).where(eq(clients.id, id)).returning();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  await deps.state.refresh();
  return (await views(deps, [row]))[0]!;
}

/** Revokes at once (the snapshot reloads); the row stays so logs keep their client name. */
/** PATCH: renames and/or changes limits (only the fields present); in force at once. */
export async function updateClient(deps: Deps, id: number, input: LimitFieldsInput & { name?: string }): Promise<ClientView> {
  const cols = await limitColumns(deps, input, 'client');
  const name = input.name === undefined ? {} : named(input.name);
  if (Object.keys(cols).length === 0 && !('name' in name)) return getClient(deps, id);
  const [row] = await deps.db.update(clients).set({ ...cols, ...name }).where(eq(clients.id, id)).returning();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  await deps.state.refresh();
  return (await views(deps, [row]))[0]!;
}

export async function revokeClient(deps: AdminDeps, id: number): Promise<ClientView> {
  const [row] = await deps.db.update(clients).set({ revoked: true }).where(eq(clients.id, id)).returning();
  if (!row) throw notFound(`No client with id ${id}.`, 'client_not_found', 'id');
  await deps.state.refresh();
  return (await views(deps, [row]))[0]!;
}
