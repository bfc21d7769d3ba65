import { asc, eq } from 'drizzle-orm';
import { clients, teams } from '../db/schema';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { scopeOf } from '../limits/build-key-limits';
import type { BudgetPeriod } from '../limits/limit-types';
import type { LimitsService } from '../limits/limits-service';
import type { AdminDeps } from './admin-deps';
import { limitColumns, periodSpend, type LimitFieldsInput } from './limit-fields';

export interface TeamView {
  id: number;
  name: string;
  models: string[] | null;
  budget_usd: number | null;
  budget_period: BudgetPeriod;
  rpm: number | null;
  tpm: number | null;
  /** Spend of the team's keys in the current budget period (USD). */
  spend_usd: number;
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

function view(deps: Deps, r: Row): TeamView {
  const members = deps.db.select({ id: clients.id }).from(clients).where(eq(clients.teamId, r.id)).all().map((c) => c.id);
  return {
    id: r.id, name: r.name, models: r.models, budget_usd: r.budgetUsd, budget_period: r.budgetPeriod, rpm: r.rpm, tpm: r.tpm,
    spend_usd: periodSpend(deps, scopeOf(`t:${r.id}`, r.name, r), members),
    client_ids: members, created_at: r.createdAt, updated_at: r.updatedAt,
  };
}

function cleanName(deps: Deps, name: unknown, except?: number): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!n) throw badRequest('The team name must not be empty.', 'name');
  if (n.length > 100) throw badRequest('The team name is too long (at most 100 characters).', 'name');
  const clash = deps.db.select({ id: teams.id }).from(teams).where(eq(teams.name, n)).get();
  if (clash && clash.id !== except) throw new ApiError(409, `A team named '${n}' exists already.`, 'invalid_request_error', 'team_exists', 'name');
  return n;
}

export function createTeam(deps: Deps, input: TeamInput): TeamView {
  const name = cleanName(deps, input.name);
  const cols = limitColumns(deps, input, 'team');
  const now = Date.now();
  const row = deps.db.insert(teams).values({ ...cols, name, createdAt: now, updatedAt: now }).returning().get();
  deps.state.reload();
  return view(deps, row);
}

export function listTeams(deps: Deps): TeamView[] {
  return deps.db.select().from(teams).orderBy(asc(teams.name)).all().map((r) => view(deps, r));
}

export function getTeam(deps: Deps, id: number): TeamView {
  const row = deps.db.select().from(teams).where(eq(teams.id, id)).get();
  if (!row) throw notFound(`No team with id ${id}.`, 'team_not_found', 'id');
  return view(deps, row);
}

export function updateTeam(deps: Deps, id: number, input: TeamInput): TeamView {
  getTeam(deps, id);
  const cols = limitColumns(deps, input, 'team');
  const name = input.name === undefined ? {} : { name: cleanName(deps, input.name, id) };
  const row = deps.db.update(teams).set({ ...cols, ...name, updatedAt: Date.now() }).where(eq(teams.id, id)).returning().get()!;
  deps.state.reload();
  return view(deps, row);
}

/** Deletes a team; its keys stay, without a team (their own limits still apply). */
export function deleteTeam(deps: Deps, id: number): { id: number; deleted: true } {
  getTeam(deps, id);
  deps.db.transaction((tx) => {
    tx.update(clients).set({ teamId: null }).where(eq(clients.teamId, id)).run();
    tx.delete(teams).where(eq(teams.id, id)).run();
  });
  deps.state.reload();
  return { id, deleted: true };
}
