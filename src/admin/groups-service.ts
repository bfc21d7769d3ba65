import { orConflict } from '../db/unique-violation';
import { binaryOrder } from '../db/text-order';
import { asc, eq } from 'drizzle-orm';
import { modelGroups } from '../db/schema';
import { SEEDED_GROUP_NAMES } from '../db/seed/model-groups';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { validateGroups, type GroupProblem } from '../routing';
import type { GroupEntry } from '../state/snapshot-types';
import type { AdminDeps } from './admin-deps';
import { ID_CHARS, shownValue } from '../errors/shown-value';
import { refuseCaseTwin } from './case-twin-names';

export interface GroupView {
  name: string;
  strategy: 'heuristic' | 'classifier';
  targets: string[];
  logic_level: number | null;
  primary_use: string;
  settings: Record<string, unknown>;
  updated_at: number;
}

/** A group as the dashboard or the API submits it (the name comes from the path on PUT). */
export interface GroupInput {
  strategy: 'heuristic' | 'classifier';
  targets: string[];
  /** null, as left out: none (JSON null clears a field throughout the admin API). */
  logic_level?: number | null;
  /** null, as left out: '' (none). */
  primary_use?: string | null;
  /** null, as left out: {} (the default rules and classifier settings). */
  settings?: Record<string, unknown> | null;
}

/** What a group name may be (the API's schema and the dashboard's form both hold to it). */
export const GROUP_NAME_MAX_CHARS = 100;
export const GROUP_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';
const GROUP_NAME_RE = new RegExp(GROUP_NAME_PATTERN);
/** The longest `primary_use` (a line shown on the group's card and in GET /v1/models), in characters. */
export const PRIMARY_USE_MAX_CHARS = 500;

/** Checked here, not only by the API's schema: the dashboard's form reaches the service too. */
function checkPrimaryUse(input: GroupInput): void {
  const p = input.primary_use;
  if (p != null && p.length > PRIMARY_USE_MAX_CHARS)
    throw badRequest(`'primary_use' is ${p.length.toLocaleString('en-US')} characters long; at most ${PRIMARY_USE_MAX_CHARS} are allowed.`, 'primary_use');
}

function checkGroupName(name: string): void {
  if (name.length > GROUP_NAME_MAX_CHARS || !GROUP_NAME_RE.test(name))
    throw badRequest(`Group names are 1-${GROUP_NAME_MAX_CHARS} letters, digits, dot, underscore, colon or hyphen, starting with a letter or digit.`, 'name');
}

type Row = typeof modelGroups.$inferSelect;
const view = (r: Row): GroupView => ({
  name: r.name, strategy: r.strategy, targets: r.targets, logic_level: r.logicLevel, primary_use: r.primaryUse, settings: r.settings, updated_at: r.updatedAt,
});
const entry = (name: string, g: GroupInput): GroupEntry => ({
  name, strategy: g.strategy, targets: g.targets, logicLevel: g.logic_level ?? null, primaryUse: g.primary_use ?? '', settings: g.settings ?? {},
});

/**
 * 400 listing every problem; `param` names the field at fault of the first problem (`targets` for
 * an unknown target, a cycle or nesting too deep; `settings.timeout_ms`, `logic_level`...).
 */
export class GroupValidationError extends ApiError {
  constructor(readonly problems: GroupProblem[]) {
    super({ status: 400, message: problems.map((p) => `${p.group}: ${p.message}`).join('; '), code: 'invalid_group', param: problems[0]?.field ?? null });
  }
}

/**
 * The whole group set with `name` replaced by `next` (or removed when null) must validate:
 * unknown targets, cycles and depth are checked across groups, so editing one can break another.
 * Another group's problem that was there before the edit does not refuse it (a group naming a
 * model since dropped from LLM_PROXY__PROVIDERS__<P>__MODELS must not block every other edit;
 * routing skips such a target); the group being saved must be sound itself.
 */
export function checkGroupSet(deps: AdminDeps, name: string, next: GroupInput | null): GroupProblem[] {
  const snap = deps.state.getSnapshot();
  const all = new Map(snap.groups);
  if (next) all.set(name, entry(name, next));
  else all.delete(name);
  const key = (p: GroupProblem) => `${p.group}\n${p.message}`;
  const before = new Set(validateGroups(snap.groups.values(), snap.models).map(key));
  return validateGroups(all.values(), snap.models).filter((p) => p.group === name || !before.has(key(p)));
}

function assertValid(deps: AdminDeps, name: string, next: GroupInput | null): void {
  const problems = checkGroupSet(deps, name, next);
  if (problems.length) throw new GroupValidationError(problems);
}

export async function listGroups(deps: AdminDeps): Promise<GroupView[]> {
  return (await deps.db.select().from(modelGroups).orderBy(asc(binaryOrder(deps.db, modelGroups.name)))).map(view);
}

export async function getGroup(deps: AdminDeps, name: string): Promise<GroupView> {
  const [row] = await deps.db.select().from(modelGroups).where(eq(modelGroups.name, name));
  if (!row) throw notFound(`No model group '${shownValue(name, ID_CHARS)}'.`, 'group_not_found', 'name');
  return view(row);
}

export async function createGroup(deps: AdminDeps, name: string, input: GroupInput): Promise<GroupView> {
  checkGroupName(name);
  const exists = () => new ApiError({ status: 409, message: `A model group named '${name}' exists; use PUT /api/groups/${name} to change it.`, code: 'group_exists', param: 'name' });
  if ((await deps.db.select({ n: modelGroups.name }).from(modelGroups).where(eq(modelGroups.name, name))).length) throw exists();
  refuseCaseTwin(deps, name, 'group');
  checkPrimaryUse(input);
  assertValid(deps, name, input);
  const e = entry(name, input);
  const [row] = await orConflict(deps.db.insert(modelGroups).values({ ...e, updatedAt: Date.now() }).returning(), exists);
  await deps.state.refresh();
  return view(row!);
}

export async function updateGroup(deps: AdminDeps, name: string, input: GroupInput): Promise<GroupView> {
  await getGroup(deps, name);
  checkPrimaryUse(input);
  assertValid(deps, name, input);
  const { name: _n, ...rest } = entry(name, input);
  const [row] = await deps.db.update(modelGroups).set({ ...rest, updatedAt: Date.now() }).where(eq(modelGroups.name, name)).returning();
  await deps.state.refresh();
  return view(row!);
}

/**
 * Refused while another group still targets it (that group would point at nothing), and for a
 * seeded group, which the seed would add back at the next start (as a seeded model is refused).
 */
export async function deleteGroup(deps: AdminDeps, name: string): Promise<void> {
  await getGroup(deps, name);
  assertValid(deps, name, null);
  if (SEEDED_GROUP_NAMES.includes(name))
    throw new ApiError({
      status: 409,
      message: `'${name}' is a seeded model group: the seed adds it back at every start. Change its targets instead (PUT /api/groups/${name}).`,
      code: 'group_seeded',
      param: 'name',
    });
  await deps.db.delete(modelGroups).where(eq(modelGroups.name, name));
  await deps.state.refresh();
}
