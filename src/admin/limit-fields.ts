import { eq } from 'drizzle-orm';
import { teams } from '../db/schema';
import { badRequest } from '../errors/api-error';
import { shownValue } from '../errors/shown-value';
import { periodEnd, periodStart } from '../limits/budget-period';
import type { BudgetPeriod, ScopeLimits } from '../limits/limit-types';
import type { LimitsService } from '../limits/limits-service';
import { spendSince } from '../limits/spend-queries';
import { parseIsoTimestamp } from '../logging/usage-query-params';
import { isProviderId } from '../providers/types';
import { roundUsd } from '../usage/cost';
import type { AdminDeps } from './admin-deps';

/** Limit fields as the admin API and the dashboard send them (every one optional on PATCH). */
export interface LimitFieldsInput {
  models?: string[] | null;
  budget_usd?: number | null;
  budget_period?: BudgetPeriod;
  rpm?: number | null;
  tpm?: number | null;
  max_parallel?: number | null;
  /** ISO 8601 with a zone (`2026-12-31T23:59:59Z`) or null. */
  expires_at?: string | null;
  team_id?: number | null;
}

/** The same fields as stored (src/db/schema/clients.ts, teams.ts). */
export interface LimitColumnsOut {
  models?: string[] | null;
  budgetUsd?: number | null;
  budgetPeriod?: BudgetPeriod;
  rpm?: number | null;
  tpm?: number | null;
  maxParallel?: number | null;
  expiresAt?: number | null;
  teamId?: number | null;
}

/** The largest rpm, tpm or max_parallel (the dashboard's inputs carry it as their max). */
export const MAX_COUNT_LIMIT = 1_000_000_000;

function positiveInt(v: unknown, param: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_COUNT_LIMIT) {
    throw badRequest(`'${param}' must be a whole number from 1 to ${MAX_COUNT_LIMIT.toLocaleString('en-US')}, or null for no limit.`, param);
  }
  return v;
}

/** An allow-list's bounds: entries, and characters in each (the API's schema and the dashboard's field hold to them). */
export const MODELS_MAX_ENTRIES = 500;
export const MODEL_NAME_MAX_CHARS = 200;
/** The dashboard's field at its longest: every entry at its longest, joined by ', ' (as the form shows them). */
export const MODELS_FIELD_MAX_CHARS = MODELS_MAX_ENTRIES * (MODEL_NAME_MAX_CHARS + 2) - 2;

function modelList(v: unknown): string[] | null {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length > MODELS_MAX_ENTRIES) throw badRequest(`'models' must be an array of model names (at most ${MODELS_MAX_ENTRIES}), or null for every model.`, 'models');
  const out: string[] = [];
  for (const m of v) {
    const name = typeof m === 'string' ? m.trim() : '';
    if (!name || name.length > MODEL_NAME_MAX_CHARS) throw badRequest(`Each entry of 'models' must be a model id, \`provider/*\`, a group name or \`*\` (1-${MODEL_NAME_MAX_CHARS} characters).`, 'models');
    // No model id or group name has one, and the dashboard's field separates names by them: such
    // an entry could never be edited there without becoming several.
    if (/[\s,]/.test(name)) throw badRequest(`'${shownValue(name)}': an entry of 'models' has no spaces or commas (one model name per entry).`, 'models');
    if (name.endsWith('/*') && !isProviderId(name.slice(0, -2))) throw badRequest(`'${name}': unknown provider in 'models'.`, 'models');
    if (!out.includes(name)) out.push(name);
  }
  return out.length === 0 || out.includes('*') ? (out.length === 0 ? null : ['*']) : out;
}

/**
 * Checks the limit fields present in `body` and returns them as columns (absent fields stay
 * absent, so PATCH changes only what it names). Throws a 400 naming the bad field.
 */
export async function limitColumns(deps: AdminDeps, body: LimitFieldsInput, which: 'client' | 'team'): Promise<LimitColumnsOut> {
  const out: LimitColumnsOut = {};
  const has = (k: keyof LimitFieldsInput) => Object.hasOwn(body, k) && body[k] !== undefined;
  if (has('models')) out.models = modelList(body.models);
  if (has('budget_usd')) {
    const b = body.budget_usd;
    if (b !== null && (typeof b !== 'number' || !Number.isFinite(b) || b < 0)) throw badRequest("'budget_usd' must be a number of US dollars (0 or more), or null for no budget.", 'budget_usd');
    out.budgetUsd = b ?? null;
  }
  if (has('budget_period')) {
    if (!['day', 'week', 'month', 'total'].includes(body.budget_period as string)) throw badRequest("'budget_period' must be one of day, week, month, total.", 'budget_period');
    out.budgetPeriod = body.budget_period;
  }
  if (has('rpm')) out.rpm = positiveInt(body.rpm, 'rpm');
  if (has('tpm')) out.tpm = positiveInt(body.tpm, 'tpm');
  if (which === 'team') {
    for (const k of ['max_parallel', 'expires_at', 'team_id'] as const) if (has(k)) throw badRequest(`'${k}' is set on client keys, not on teams.`, k);
    return out;
  }
  if (has('max_parallel')) out.maxParallel = positiveInt(body.max_parallel, 'max_parallel');
  if (has('expires_at')) {
    const e = body.expires_at;
    const ms = typeof e === 'string' ? parseIsoTimestamp(e) : NaN;
    if (e !== null && !Number.isFinite(ms)) throw badRequest("'expires_at' must be an ISO 8601 timestamp with a zone that exists on the calendar, e.g. 2026-12-31T23:59:59Z, or null.", 'expires_at');
    out.expiresAt = e === null ? null : ms;
  }
  if (has('team_id')) {
    const id = body.team_id;
    if (id !== null && (typeof id !== 'number' || !Number.isInteger(id) || (await deps.db.select({ id: teams.id }).from(teams).where(eq(teams.id, id))).length === 0)) {
      throw badRequest(`No team with id ${id}.`, 'team_id', 'team_not_found');
    }
    out.teamId = id ?? null;
  }
  return out;
}

/** A scope's spend in its current budget period, as the admin API shows it beside its budget. */
export interface PeriodSpend {
  /** USD spent in the current budget period. */
  spend_usd: number;
  /** ISO 8601 UTC when the next period begins and spend starts again from 0; null for `total`. */
  budget_resets_at: string | null;
}

/** When the period after the one holding `now` begins, as ISO 8601 UTC (periodEnd: the very bound the counters roll over at); null for `total`. */
function budgetResetsAt(period: BudgetPeriod, now: number): string | null {
  const end = periodEnd(period, now);
  return Number.isFinite(end) ? new Date(end).toISOString() : null;
}

/**
 * Spend of a scope in its current budget period, and when that period ends (both at one `now`, the
 * limits' clock): the live counters when they track it for its budget, else the logs (without a
 * budget the counters do not count a period from its start).
 */
export async function periodSpend(deps: AdminDeps & { limits?: LimitsService }, scope: ScopeLimits): Promise<PeriodSpend> {
  const now = deps.limits?.now() ?? Date.now();
  const tracked = scope.budgetUsd === null ? null : await deps.limits?.counters.spend(scope, now);
  const spent = typeof tracked === 'number' ? tracked : await spendSince(deps.store, scope.key, periodStart(scope.period, now));
  return { spend_usd: roundUsd(spent), budget_resets_at: budgetResetsAt(scope.period, now) };
}
