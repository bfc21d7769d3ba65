import type { ScopeLimits } from './limit-types';

/**
 * What one of N instances cut off from Redis (fail mode `open`) may enforce for a scope, so that
 * all N together stay within its limits (local-limit-fallback.ts). Pure: the counts are the caller's.
 */

/** A budget as an instance saw it in Redis when the outage began (see LocalLimitFallback.startLocalBudget). */
export interface BudgetView {
  /** Period the view holds for (`<period>:<start>`): another period starts from nothing spent. */
  pk: string;
  /** Spend: the larger of what Redis last reported (with this instance's settles since) and the logs'. */
  spend: number;
  /**
   * Worst cost of the other instances' requests running when Redis last reported the scope's
   * reservations (those minus this instance's own still running); null: Redis never reported them
   * to this instance, so the others may hold anything that was left.
   */
  others: number | null;
  /** Instances alive at this instance's last heartbeat, itself included. */
  n: number;
}

/**
 * The most the scope's local spend may reach in this outage: the spend, then one Nth of what the
 * others' running requests leave of the budget. The local spend starts at the spend plus this
 * instance's own running requests at their worst, so those come out of its own share (the others
 * may not have seen them) and give back, as they settle, what they did not cost. Summed over the N
 * instances: the spend, every running request and every one admitted meanwhile stay within the budget.
 */
export function budgetCap(budget: number, view: BudgetView, pk: string): number {
  if (view.pk !== pk) return budget / view.n;
  if (view.others === null) return view.spend;
  return view.spend + Math.max(0, budget - view.spend - view.others) / view.n;
}

/** Every Nth request or token per minute, none past the limit in total. */
export function rateShare(limit: number | null, n: number): number | null {
  return limit === null ? null : Math.floor(limit / n);
}

/**
 * The scope as this instance enforces it while cut off from Redis with `n` instances alive: its
 * budget capped at `cap` (null: no budget), its RPM and TPM at one Nth, named as a share in
 * refusal messages. max_parallel stays whole (each instance counts only its own requests in flight).
 */
export function sharedScope(scope: ScopeLimits, n: number, cap: number | null): ScopeLimits {
  return {
    ...scope,
    label: `${scope.label} (the share this instance may use while Redis is unreachable, 1 of ${n} instances)`,
    budgetUsd: scope.budgetUsd === null ? null : cap,
    rpm: rateShare(scope.rpm, n),
    tpm: rateShare(scope.tpm, n),
  };
}
