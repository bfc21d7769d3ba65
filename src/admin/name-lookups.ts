import { and, asc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { binaryOrder } from '../db/text-order';
import { clients, teams } from '../db/schema';
import { badRequest } from '../errors/api-error';
import { ID_CHARS, shownValue } from '../errors/shown-value';
import type { AdminDeps } from './admin-deps';
import { teamNameKey, teamNamedLike } from './team-name-key';
import { clientNamedLike, clientPrefixFilter } from './client-name-key';
import { startsWith } from './name-key';

/**
 * Name lookups for pickers that must not list every row (the dashboard's team and client
 * choosers: an organisation with one team per project has thousands): a prefix search, a few rows
 * at a time, and the reverse, a typed name back to its row.
 */

/**
 * Teams whose name starts with `prefix` up to case and spaces (by `name_key`, as names are unique;
 * a legacy twin without one by its lower-cased name), or undefined for every team.
 */
export function teamPrefixFilter(prefix: string): SQL | undefined {
  const key = teamNameKey(prefix);
  if (!key) return undefined;
  const p = startsWith(key);
  return or(sql`${teams.nameKey} like ${p} escape '\\'`, and(isNull(teams.nameKey), sql`lower(${teams.name}) like ${p} escape '\\'`));
}

/** At most `limit` teams (id, name) whose name starts with `prefix`, by name. */
export async function teamChoices(deps: AdminDeps, prefix: string, limit: number): Promise<{ id: number; name: string }[]> {
  return deps.db.select({ id: teams.id, name: teams.name }).from(teams).where(teamPrefixFilter(prefix))
    .orderBy(asc(binaryOrder(deps.db, teams.name)), asc(teams.id)).limit(limit);
}

/** The ids a page's rows name, each once (rows without one left out). */
const distinctIds = (ids: readonly (number | null | undefined)[]): number[] => [...new Set(ids.filter((id): id is number => typeof id === 'number'))];

/** Names of the given teams (the ones a page shows), not of every team. */
export async function teamNamesOf(deps: AdminDeps, ids: readonly (number | null | undefined)[]): Promise<Map<number, string>> {
  const want = distinctIds(ids);
  if (!want.length) return new Map();
  return new Map((await deps.db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, want))).map((t) => [t.id, t.name]));
}

/**
 * The team a form names by its name (what a person reads and types), or null for a blank one.
 * `current` is the key's team now: its own name sent back unchanged keeps it even where an
 * earlier release let two teams share a name up to case. Exact spelling first, then up to case
 * and spaces; a name that matches no team is a 400 on `param`.
 */
export async function teamIdByName(deps: AdminDeps, typed: string, param: string, current?: number | null): Promise<number | null> {
  const name = typed.trim();
  if (!name) return null;
  if (current != null) {
    const [now] = await deps.db.select({ name: teams.name }).from(teams).where(eq(teams.id, current));
    if (now && now.name.trim() === name) return current;
  }
  const exact = await deps.db.select({ id: teams.id }).from(teams).where(eq(teams.name, name)).orderBy(asc(teams.id)).limit(1);
  if (exact[0]) return exact[0].id;
  const found = await teamNamedLike(deps.db, name);
  if (found !== undefined) return found;
  throw badRequest(`No team is named '${shownValue(name, ID_CHARS)}'; pick one from the list, or create it on the Teams page first.`, param);
}

/** Names of the given client keys (the rows a page shows), not of every key, and whether each is revoked. */
export async function clientKeysOf(deps: AdminDeps, ids: readonly (number | null | undefined)[]): Promise<Map<number, { name: string; revoked: boolean }>> {
  const want = distinctIds(ids);
  if (!want.length) return new Map();
  const rows = await deps.db.select({ id: clients.id, name: clients.name, revoked: clients.revoked }).from(clients).where(inArray(clients.id, want));
  return new Map(rows.map((c) => [c.id, { name: c.name, revoked: c.revoked }]));
}

/** Names of the given client keys (the rows a page shows), not of every key. */
export async function clientNamesOf(deps: AdminDeps, ids: readonly (number | null | undefined)[]): Promise<Map<number, string>> {
  return new Map([...(await clientKeysOf(deps, ids))].map(([id, k]) => [id, k.name]));
}

/** At most `limit` client keys (id, name) whose name starts with `prefix` (case-insensitive), by name then newest. */
export async function clientChoices(deps: AdminDeps, prefix: string, limit: number): Promise<{ id: number; name: string; revoked: boolean }[]> {
  return deps.db.select({ id: clients.id, name: clients.name, revoked: clients.revoked }).from(clients).where(clientPrefixFilter(prefix))
    .orderBy(asc(binaryOrder(deps.db, clients.name)), sql`${clients.id} desc`).limit(limit);
}

/**
 * The client key a filter names: an id (digits, `#12`, or a chosen `name (#12)`), else a name
 * exactly one key has (as spelt, else in any case). A name no key has, or several have, is a 400 on `param` saying which.
 */
export async function clientIdByName(deps: AdminDeps, typed: string, param: string): Promise<number | null> {
  const v = typed.trim();
  if (!v) return null;
  const id = /^#?(\d{1,15})$/.exec(v) ?? /\(#(\d{1,15})\)$/.exec(v);
  if (id) return Number(id[1]);
  let rows = await deps.db.select({ id: clients.id }).from(clients).where(eq(clients.name, v)).limit(2);
  // Suggestions match any case, so a name typed in another case is that key's when only it has it.
  if (rows.length === 0) rows = await deps.db.select({ id: clients.id }).from(clients).where(clientNamedLike(v)).limit(2);
  if (rows.length === 1) return rows[0]!.id;
  if (rows.length === 0) throw badRequest(`No client key is named '${shownValue(v, ID_CHARS)}'.`, param);
  throw badRequest(`Several client keys are named '${shownValue(v, ID_CHARS)}': pick one from the list (it adds the key's #id).`, param);
}
