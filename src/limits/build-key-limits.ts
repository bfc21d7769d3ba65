import type { ClientEntry, TeamEntry } from '../state/snapshot-types';
import { compileAllowList } from './allow-list';
import type { BudgetPeriod, KeyLimits, ScopeLimits } from './limit-types';

/** Limit columns of a client or team row, as stored (src/db/schema/clients.ts, teams.ts). */
export interface LimitColumns {
  models?: string[] | null;
  budgetUsd?: number | null;
  budgetPeriod?: BudgetPeriod | null;
  rpm?: number | null;
  tpm?: number | null;
  maxParallel?: number | null;
}

export interface TeamRow extends LimitColumns {
  id: number;
  name: string;
}

export function scopeOf(key: string, label: string, row: LimitColumns): ScopeLimits {
  return {
    key,
    label,
    allow: compileAllowList(row.models),
    budgetUsd: row.budgetUsd ?? null,
    period: row.budgetPeriod ?? 'month',
    rpm: row.rpm ?? null,
    tpm: row.tpm ?? null,
    maxParallel: row.maxParallel ?? null,
  };
}

const limitsAnything = (s: ScopeLimits) =>
  s.allow !== null || s.budgetUsd !== null || s.rpm !== null || s.tpm !== null || s.maxParallel !== null;

export function teamEntries(rows: readonly TeamRow[]): Map<number, TeamEntry> {
  return new Map(rows.map((t) => [t.id, { id: t.id, name: t.name, scope: scopeOf(`t:${t.id}`, `team '${t.name}'`, t) }]));
}

/** The key's limits, or null when neither it nor a team limits it (the request path then skips src/limits/). */
export function keyLimitsOf(
  client: { id: number; name: string; teamId?: number | null; expiresAt?: number | null } & LimitColumns,
  teams: ReadonlyMap<number, TeamEntry>,
): KeyLimits | null {
  const own = scopeOf(`c:${client.id}`, `key '${client.name}'`, client);
  const team = client.teamId != null ? teams.get(client.teamId) : undefined;
  const expiresAt = client.expiresAt ?? null;
  if (!team && expiresAt === null && !limitsAnything(own)) return null;
  return { expiresAt, teamId: team?.id ?? null, scopes: team ? [own, team.scope] : [own] };
}

export type { ClientEntry };
