import { orConflict } from '../db/unique-violation';
import { binaryOrder } from '../db/text-order';
import { and, asc, eq, sql } from 'drizzle-orm';
import { clients, teams } from '../db/schema';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { scopeOf } from '../limits/build-key-limits';
import type { BudgetPeriod } from '../limits/limit-types';
import type { LimitsService } from '../limits/limits-service';
import type { AdminDeps } from './admin-deps';
import { checkAdminName } from './admin-names';
import { teamNameKey, teamNamedLike } from './team-name-key';
import type { ListPage } from './list-page';
import { teamPrefixFilter } from './name-lookups';
import { limitColumns, periodSpend, type LimitFieldsInput } from './limit-fields';

export interface TeamView {
  id: number;
  name: string;
  models: string[] | null;
  budget_usd: number | null;
  budget_period: BudgetPeriod;
  rpm: number | null;
  tpm: number | null;
  /** Spend in the current budget period (USD) of the keys while they were in the team. */
  spend_usd: number;
  /** ISO 8601 UTC when the current budget period ends and spend_usd restarts at 0; null for `total`. */
  budget_resets_at: string | null;
  /** Client keys in the team (revoked ones included). */
  client_ids: number[];
  created_at: number;
  updated_at: number;
}

export interface TeamInput extends Pick<LimitFieldsInput, 'models' | 'budget_usd' | 'budget_period' | 'rpm' | 'tpm'> {
  name?: string;
}

type Deps = AdminDeps & { limits?: LimitsService };
type Row = typeof teams.$inferSelect;

async function view(deps: Deps, r: Row): Promise<TeamView> {
  // In id order: without one PostgreSQL lists a key changed since (renamed, say) last, SQLite in rowid order.
  const members = (await deps.db.select({ id: clients.id }).from(clients).where(eq(clients.teamId, r.id)).orderBy(asc(clients.id))).map((c) => c.id);
  return {
    id: r.id, name: r.name, models: r.models, budget_usd: r.budgetUsd, budget_period: r.budgetPeriod, rpm: r.rpm, tpm: r.tpm,
    ...(await periodSpend(deps, scopeOf(`t:${r.id}`, r.name, r))),
    client_ids: members, created_at: r.createdAt, updated_at: r.updatedAt,
  };
}

async function cleanName(deps: Deps, name: unknown, except?: number): Promise<string> {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!n) throw badRequest('The team name must not be empty.', 'name');
  if (n.length > 100) throw badRequest('The team name is too long (at most 100 characters).', 'name');
  checkAdminName(n, 'name', 'team name');
  // One name in any case: 'Research' and 'research' would be told apart by nobody reading a report.
  if ((await teamNamedLike(deps.db, n, except)) !== undefined) throw teamExists(n);
  return n;
}

const teamExists = (name: string) => new ApiError({ status: 409, message: `A team named '${name}' exists already.`, code: 'team_exists', param: 'name' });

export async function createTeam(deps: Deps, input: TeamInput): Promise<TeamView> {
  const name = await cleanName(deps, input.name);
  const cols = await limitColumns(deps, input, 'team');
  const now = Date.now();
  const [row] = await orConflict(deps.db.insert(teams).values({ ...cols, name, nameKey: teamNameKey(name), createdAt: now, updatedAt: now }).returning(), () => teamExists(name));
  await deps.state.refresh();
  return view(deps, row!);
}

/**
 * By name (code points, on either store), those starting with `prefix` (up to case) when given; a page (`cursor`: the last id of the previous page,
 * `after_id`) continues after that team's name, the whole rest of the list without `limit`.
 */
export async function listTeams(deps: Deps, page: ListPage & { prefix?: string } = {}): Promise<TeamView[]> {
  const byName = binaryOrder(deps.db, teams.name);
  let after;
  if (page.cursor !== undefined) {
    const [anchor] = await deps.db.select({ name: teams.name }).from(teams).where(eq(teams.id, page.cursor));
    // Names are unique, so the anchor's name places the page; a team deleted since cannot.
    if (!anchor) throw badRequest(`'after_id' names no team (${page.cursor}); it may have been deleted since: list again from the start.`, 'after_id');
    after = sql`${byName} > ${anchor.name}`;
  }
  const q = deps.db.select().from(teams).where(and(after, teamPrefixFilter(page.prefix ?? ''))).orderBy(asc(byName), asc(teams.id));
  return Promise.all((await (page.limit === undefined ? q : q.limit(page.limit))).map((r) => view(deps, r)));
}

export async function getTeam(deps: Deps, id: number): Promise<TeamView> {
  const [row] = await deps.db.select().from(teams).where(eq(teams.id, id));
  if (!row) throw notFound(`No team with id ${id}.`, 'team_not_found', 'id');
  return view(deps, row);
}

export async function updateTeam(deps: Deps, id: number, input: TeamInput): Promise<TeamView> {
  const current = await getTeam(deps, id);
  const cols = await limitColumns(deps, input, 'team');
  // Its own name sent again (the dashboard's form sends it with every change) changes nothing, so
  // a team that shares its name up to case with an older one (an earlier release's) stays editable.
  const same = typeof input.name === 'string' && input.name.trim() === current.name.trim();
  const name = input.name === undefined || same ? undefined : await cleanName(deps, input.name, id);
  const write = deps.db.update(teams).set({ ...cols, ...(name === undefined ? {} : { name, nameKey: teamNameKey(name) }), updatedAt: Date.now() }).where(eq(teams.id, id)).returning();
  const [row] = await orConflict(write, () => teamExists(name ?? ''));
  await deps.state.refresh();
  return view(deps, row!);
}

/**
 * Deletes a team; its keys stay, without a team (their own limits still apply). Two awaited
 * statements (either store): the keys leave the team first, so no key ever names a missing team.
 */
export async function deleteTeam(deps: Deps, id: number): Promise<{ id: number; deleted: true }> {
  await getTeam(deps, id);
  await deps.db.update(clients).set({ teamId: null }).where(eq(clients.teamId, id));
  await deps.db.delete(teams).where(eq(teams.id, id));
  await deps.state.refresh();
  return { id, deleted: true };
}
