import type { Usage } from './types';

/**
 * The largest count an upstream's usage can hold: a whole number a double holds exactly (and
 * PostgreSQL's bigint token columns store). Past it (1e300) a count is nonsense: billed, it would
 * charge the row and the key's budget an astronomic sum, and PostgreSQL refuses the row.
 */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** A token count from loosely-typed upstream JSON: finite, non-negative, whole (rounded), at most MAX_COUNT; anything else is 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && value > 0 && value <= MAX_COUNT ? Math.round(value) : 0;
}

/** True when the upstream actually sent this number (0 included). */
export function has(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Whether an upstream's main counts (the ones a bill is made of) can be billed: at least one was
 * sent, and every one sent (null or absent: not sent) is a finite, non-negative number. A negative
 * count, a string ("12", "NaN"), a number too large for JSON's doubles (1e999 parses as Infinity)
 * or past MAX_COUNT (1e300) is nonsense: the normaliser then reports no usage, so the row's tokens are estimated (and marked
 * estimated) instead of billed as 0.
 */
export function validCounts(...values: unknown[]): boolean {
  let sent = false;
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= MAX_COUNT)) return false;
    sent = true;
  }
  return sent;
}

/** True when an upstream sent this field at all (any value but null): which usage shape it speaks. */
export function sent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Reads `obj.key` when obj is an object; upstream JSON is read loosely (a field of the wrong type is absent, never a crash). */
export function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * Builds a canonical Usage and enforces its invariants: cached never exceeds input and reasoning
 * never exceeds output, because both are parts of those totals (a provider that reports more is
 * wrong, and billing the excess twice would overcharge).
 */
export function makeUsage(input: number, cachedInput: number, output: number, reasoning: number): Usage {
  return {
    input,
    cachedInput: Math.min(cachedInput, input),
    output,
    reasoning: Math.min(reasoning, output),
  };
}
