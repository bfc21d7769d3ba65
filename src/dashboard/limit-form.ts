import type { LimitFieldsInput } from '../admin/limit-fields';
import type { BudgetPeriod } from '../limits/limit-types';
import { field } from './dash-session';
import { formNumber } from './form-number';
import { zonelessAsUtc } from './utc-field';

/**
 * Limit fields from a dashboard form (every field present, so a cleared box removes that limit:
 * the form says "none"). Numbers are read strictly (form-number.ts), ranges are the service's
 * checks, the API's. `models` is one name per line or comma-separated; blank allows every model.
 */
export function limitInputFromForm(body: unknown, which: 'client' | 'team'): LimitFieldsInput {
  const names = field(body, 'models').split(/[\s,]+/).filter(Boolean);
  const input: LimitFieldsInput = {
    models: names.length ? names : null,
    budget_usd: formNumber(field(body, 'budget_usd'), { label: 'Budget (USD)', param: 'budget_usd' }),
    budget_period: (field(body, 'budget_period') || 'month') as BudgetPeriod,
    rpm: formNumber(field(body, 'rpm'), { label: 'Requests / min', param: 'rpm', whole: true }),
    tpm: formNumber(field(body, 'tpm'), { label: 'Tokens / min', param: 'tpm', whole: true }),
  };
  if (which === 'team') return input;
  return {
    ...input,
    max_parallel: formNumber(field(body, 'max_parallel'), { label: 'In flight at once', param: 'max_parallel', whole: true }),
    // The field is labelled "Expires (UTC)": a time typed without a zone is that.
    expires_at: zonelessAsUtc(field(body, 'expires_at')) || null,
    team_id: formNumber(field(body, 'team_id'), { label: 'Team', param: 'team_id', whole: true }),
  };
}
