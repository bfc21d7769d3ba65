/** @jsxImportSource #html */
import { MAX_COUNT_LIMIT, MODELS_FIELD_MAX_CHARS } from '../../admin/limit-fields';
import type { BudgetPeriod } from '../../limits/limit-types';
import { FIELD_LABELS } from '../field-labels';
import { formValue } from '../form-number';
import { usdCents, usdExact, utcDateTime } from '../format';
import { DECIMAL_FIELD } from './ui';
import { TEAM_CHOICES } from './choices';
import { utcFieldValue } from '../utc-field';

/** What the limits form and summaries show for a key or a team. */
export interface LimitValues {
  models: string[] | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod;
  rpm: number | null;
  tpm: number | null;
  spendUsd: number;
  /** ISO 8601 UTC when the budget period ends and spend restarts at 0 (the admin API's budget_resets_at); null for `total`. */
  resetsAt?: string | null;
  /** Keys only. */
  maxParallel?: number | null;
  expiresAt?: string | null;
  teamId?: number | null;
}

const MAX = String(MAX_COUNT_LIMIT);
const PERIODS: BudgetPeriod[] = ['day', 'week', 'month', 'total'];
const periodLabel = (p: BudgetPeriod) => (p === 'total' ? 'in total' : p === 'day' ? 'today' : `this ${p}`);

/** When the period's spend restarts at 0, "resets 2026-12-08 00:00:00 UTC" (none for `total`). */
function ResetsAt(props: { at?: string | null }) {
  return props.at ? <span class="budget-resets muted" data-resets-at={props.at}>resets {utcDateTime(Date.parse(props.at))}</span> : '';
}

/** Spend of the current period against the budget, as a bar (or the spend alone without a budget), and when the period resets. */
export function BudgetBar(props: { spendUsd: number; budgetUsd: number | null; period: BudgetPeriod; resetsAt?: string | null }) {
  const { spendUsd, budgetUsd, period } = props;
  if (budgetUsd === null) return <span class="muted small" data-spend={spendUsd.toFixed(6)}>{usdCents(spendUsd)} {periodLabel(period)}{props.resetsAt ? ' · ' : ''}<ResetsAt at={props.resetsAt} /></span>;
  const ratio = budgetUsd > 0 ? spendUsd / budgetUsd : 1;
  const pct = Math.max(0, Math.min(100, ratio * 100));
  const kind = ratio >= 1 ? 'err' : ratio >= 0.8 ? 'warn' : 'ok';
  return (
    <div class="budget" data-spend={spendUsd.toFixed(6)} data-budget={String(budgetUsd)}>
      <div class={`budget-bar ${kind}`} role="meter" aria-valuemin="0" aria-valuemax={String(budgetUsd)} aria-valuenow={spendUsd.toFixed(4)}
        aria-label={`Spend ${periodLabel(period)}`} title={`${pct.toFixed(1)}%`}>
        <span style={`width:${pct.toFixed(1)}%`}></span>
      </div>
      <span class="small">{usdCents(spendUsd)} of {usdExact(budgetUsd)} {periodLabel(period)}</span>
      <ResetsAt at={props.resetsAt} />
    </div>
  );
}

/** After a save: allowed model names that match nothing today (model-names-check.ts). */
export function ModelNamesWarning(props: { text?: string | null }) {
  return props.text ? <p class="notice-text model-names-warning" role="status" safe>{props.text}</p> : '';
}

/** The limits in a few words: `60 rpm · 10,000 tpm · 4 parallel · models: … · expires …`. */
export function LimitSummary(props: { v: LimitValues; teamName?: string | null }) {
  const { v } = props;
  const parts: string[] = [];
  // Exact, not compactNumber: 1,050 rpm read "1.1k rpm", a limit other than the one saved.
  const exact = (n: number) => n.toLocaleString('en-US');
  if (v.rpm !== null) parts.push(`${exact(v.rpm)} rpm`);
  if (v.tpm !== null) parts.push(`${exact(v.tpm)} tpm`);
  if (v.maxParallel != null) parts.push(`${exact(v.maxParallel)} parallel`);
  if (v.models !== null) parts.push(`models: ${v.models.join(', ')}`);
  if (v.expiresAt) parts.push(`expires ${v.expiresAt.replace('T', ' ').replace(/\.000Z$|Z$/, ' UTC')}`);
  if (props.teamName) parts.push(`team ${props.teamName}`);
  // A budget is shown by its bar beside this: "no limits" under "$0 of $25.50 this month" said otherwise.
  const none = v.budgetUsd !== null ? 'no other limits' : 'no limits';
  return <span class="limits-summary small" safe>{parts.length ? parts.join(' · ') : none}</span>;
}

/**
 * The limit inputs of a key or a team form (blank = no limit). `team` (keys only) is the key's
 * team's name: a text input suggesting from the page's one TEAM_CHOICES list, not a <select> of
 * every team in every row.
 */
export function LimitInputs(props: { v: LimitValues; idPrefix: string; team?: { name: string | null } }) {
  const { v, idPrefix } = props;
  return (
    <div class="form-grid limits-grid">
      <label for={`${idPrefix}-models`}>{FIELD_LABELS.models}
        <input id={`${idPrefix}-models`} name="models" value={(v.models ?? []).join(', ')} placeholder="every model" maxlength={String(MODELS_FIELD_MAX_CHARS)}
          title="Exact ids, provider/*, group names or *, comma-separated; blank allows every model" />
      </label>
      <label for={`${idPrefix}-budget`}>{FIELD_LABELS.budget_usd}
        <input id={`${idPrefix}-budget`} name="budget_usd" {...DECIMAL_FIELD} value={formValue(v.budgetUsd)} placeholder="none" />
      </label>
      <label for={`${idPrefix}-period`}>{FIELD_LABELS.budget_period}
        <select id={`${idPrefix}-period`} name="budget_period">
          {PERIODS.map((p) => <option value={p} selected={p === v.budgetPeriod}>{p}</option>)}
        </select>
      </label>
      <label for={`${idPrefix}-rpm`}>{FIELD_LABELS.rpm}
        <input id={`${idPrefix}-rpm`} name="rpm" type="number" min="1" max={MAX} step="1" value={formValue(v.rpm)} placeholder="none" />
      </label>
      <label for={`${idPrefix}-tpm`}>{FIELD_LABELS.tpm}
        <input id={`${idPrefix}-tpm`} name="tpm" type="number" min="1" max={MAX} step="1" value={formValue(v.tpm)} placeholder="none" />
      </label>
      {props.team ? (
        <>
          <label for={`${idPrefix}-parallel`}>{FIELD_LABELS.max_parallel}
            <input id={`${idPrefix}-parallel`} name="max_parallel" type="number" min="1" max={MAX} step="1" value={formValue(v.maxParallel)} placeholder="none" />
          </label>
          <label for={`${idPrefix}-expires`}>{FIELD_LABELS.expires_at}
            <input id={`${idPrefix}-expires`} name="expires_at" value={v.expiresAt ? utcFieldValue(Date.parse(v.expiresAt)) : ''} placeholder="never, or 2026-12-31T23:59:59Z" maxlength="40" />
          </label>
          <label for={`${idPrefix}-team`}>{FIELD_LABELS.team}
            <input id={`${idPrefix}-team`} name="team" list={TEAM_CHOICES} value={props.team.name ?? ''} dir="auto" placeholder="none" maxlength="100" autocomplete="off"
              title="Type the start of a team's name and pick it; blank for no team" />
          </label>
        </>
      ) : ''}
    </div>
  );
}
