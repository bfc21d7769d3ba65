import type { LimitFieldsInput } from '../admin/limit-fields';
import type { BudgetPeriod } from '../limits/limit-types';
import { field } from './dash-session';
import { FIELD_LABELS } from './field-labels';
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
    budget_usd: formNumber(field(body, 'budget_usd'), { label: FIELD_LABELS.budget_usd, param: 'budget_usd' }),
    budget_period: (field(body, 'budget_period') || 'month') as BudgetPeriod,
    rpm: formNumber(field(body, 'rpm'), { label: FIELD_LABELS.rpm, param: 'rpm', whole: true }),
    tpm: formNumber(field(body, 'tpm'), { label: FIELD_LABELS.tpm, param: 'tpm', whole: true }),
  };
  if (which === 'team') return input;
  return {
    ...input,
    max_parallel: formNumber(field(body, 'max_parallel'), { label: FIELD_LABELS.max_parallel, param: 'max_parallel', whole: true }),
    // The field is labelled "Expires (UTC)": a time typed without a zone is that.
    expires_at: zonelessAsUtc(field(body, 'expires_at')) || null,
    team_id: formNumber(field(body, 'team_id'), { label: FIELD_LABELS.team_id, param: 'team_id', whole: true }),
  };
}
