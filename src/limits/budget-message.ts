import type { ScopeLimits } from './limit-types';

/**
 * Dollars for a refusal message: cents from $1 up, else at least four decimals and always two
 * significant digits, so a small budget reads `$0.000010`, not a misleading `$0.0000`.
 */
export function usdText(n: number): string {
  if (n >= 1 || n <= 0) return `$${n.toFixed(2)}`;
  return `$${n.toFixed(Math.min(12, Math.max(4, 1 - Math.floor(Math.log10(n)))))}`;
}

/** The message of a budget refusal, the same from the in-memory and the Redis counters. */
export function budgetExceededMessage(l: ScopeLimits, spent: number, reserved: number, worstCostUsd: number): string {
  return `Budget exceeded for ${l.label}: ${usdText(l.budgetUsd ?? 0)} per ${l.period === 'total' ? 'lifetime' : l.period}; ` +
    `spent ${usdText(spent)}, ${usdText(reserved)} reserved by requests in flight, this request may cost up to ${usdText(worstCostUsd)}.`;
}
