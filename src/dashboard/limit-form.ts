import type { LimitFieldsInput } from '../admin/limit-fields';
import type { BudgetPeriod } from '../limits/limit-types';
import { field } from './dash-session';

/** A blank field means "no limit" (null); anything else goes to the service's checks as typed. */
const numberOrNull = (v: string): number | null => (v === '' ? null : Number(v));

/**
 * Limit fields from a dashboard form (every field present, so a cleared box removes that limit).
 * `models` is one name per line or comma-separated; blank allows every model.
 */
export function limitInputFromForm(body: unknown, which: 'client' | 'team'): LimitFieldsInput {
  const names = field(body, 'models').split(/[\s,]+/).filter(Boolean);
  const input: LimitFieldsInput = {
    models: names.length ? names : null,
    budget_usd: numberOrNull(field(body, 'budget_usd')),
    budget_period: (field(body, 'budget_period') || 'month') as BudgetPeriod,
    rpm: numberOrNull(field(body, 'rpm')),
    tpm: numberOrNull(field(body, 'tpm')),
  };
  if (which === 'team') return input;
  const team = field(body, 'team_id');
  return {
    ...input,
    max_parallel: numberOrNull(field(body, 'max_parallel')),
    expires_at: field(body, 'expires_at') || null,
    team_id: team === '' ? null : Number(team),
  };
}
