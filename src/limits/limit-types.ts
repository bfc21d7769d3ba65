/** `day`, `week` (Monday 00:00 UTC), `month` (UTC calendar periods) or `total`. */
export type BudgetPeriod = 'day' | 'week' | 'month' | 'total';
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month', 'total'];

/** The endpoint a limited request is admitted for: its worst case and its file inputs are read per endpoint. */
export type LimitedEndpoint = 'chat' | 'responses' | 'images' | 'messages' | 'count_tokens' | 'input_tokens' | 'embeddings';

/** An allow-list compiled once per snapshot (src/limits/allow-list.ts). */
export interface AllowList {
  /** `*` was listed. */
  any: boolean;
  /** Exact ids, `provider/model` names and group names. */
  exact: ReadonlySet<string>;
  /** Providers listed as `provider/*`. */
  providers: ReadonlySet<string>;
}

/** The limits of one counted scope: a client key or a team. */
export interface ScopeLimits {
  /** Counter key: `c:<client id>` or `t:<team id>`. */
  key: string;
  /** For refusal messages: `key 'ci'` or `team 'research'`. */
  label: string;
  allow: AllowList | null;
  budgetUsd: number | null;
  period: BudgetPeriod;
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
}

/** What the request path needs about a key that has limits or a team (null on ClientEntry otherwise). */
export interface KeyLimits {
  /** Epoch ms; at or after it the key answers 401. */
  expiresAt: number | null;
  teamId: number | null;
  /** The key's own scope first, then its team's. */
  scopes: readonly ScopeLimits[];
}
