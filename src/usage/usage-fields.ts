import type { Usage } from './types';

/** A token count from loosely-typed upstream JSON: finite, non-negative, whole; anything else is 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** True when the upstream actually sent this number (0 included). */
export function has(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
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
