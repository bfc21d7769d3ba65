import type { RefusalReason } from './limit-counters';
import type { ScopeLimits } from './limit-types';

/** Significant digits of every amount in a refusal message. */
const SIGNIFICANT = 6;

/**
 * Dollars for a refusal message, one rule for the budget, the spend, the reservations and the
 * request's worst case, so they compare at a glance: six significant digits (at most twelve
 * decimals), trailing zeros dropped, cents kept once there is a fraction. A $0.00001 budget reads
 * `$0.00001` beside a spend of `$0.0000084` (not `$0.000010` beside `$0.00`), $5 reads `$5`,
 * $12.5 `$12.50`, and a $4.99987 spend is not rounded up to the $5 budget it is below.
 */
export function usdText(n: number): string {
  if (!Number.isFinite(n) || n === 0) return '$0';
  const decimals = Math.min(12, Math.max(2, SIGNIFICANT - 1 - Math.floor(Math.log10(Math.abs(n)))));
  const s = n.toFixed(decimals).replace(/\.?0+$/, '');
  return `$${/\.\d$/.test(s) ? `${s}0` : s}`;
}

const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** What a refusal's message reports, as the counters (in memory or in Redis) saw it. */
export interface RefusalFacts {
  /** The request's worst-case tokens and cost (AdmitInput). */
  tokens: number;
  worstCostUsd: number;
  /** The output allowance's part of `tokens`, and the body's field that asked it (null: none named). */
  outputTokens?: number;
  outputField?: string | null;
  /** When the scope admits again; null: never for this request (too large) or not timed. */
  waitMs: number | null;
  /** Tokens the scope's window holds, its spend in the period and what requests in flight reserved. */
  tokensInUse: number;
  spentUsd: number;
  reservedUsd: number;
  /** A budget (Admission.budget 'held') or TPM refusal whose room requests in flight hold. */
  held?: boolean;
}

/**
 * A request whose tokens exceed the whole TPM, in the words of what was counted: the prompt's
 * estimate from the body's size, plus the output its field asked or the gateway's default allowance
 * (a request that names no cap); an allowance counted only as far as the window has room may add nothing.
 */
function tooLargeMessage(l: ScopeLimits, f: RefusalFacts): string {
  const out = f.outputTokens ?? 0;
  const field = f.outputField ?? null;
  const prompt = `an estimate of ${f.tokens - out} prompt tokens from the body's size`;
  const output = out > 0
    ? field ? ` plus ${out} output tokens for its ${field}` : ` plus a default allowance of ${out} output tokens, as it names no output cap`
    : field ? `; its ${field} is counted only as far as the window has room` : `; it names no output cap, so no output is counted beyond the window's room`;
  const fix = out > 0 ? (field ? ` or a lower ${field}` : ' or name a small output cap') : '';
  return `Request too large for ${l.label}: it may use ${f.tokens} tokens (${prompt}${output}), the limit is ${l.tpm} tokens per minute. Send a smaller request${fix}.`;
}

/** The message of a refusal, the same words from the in-memory and the Redis counters. */
export function refusalMessage(reason: RefusalReason, l: ScopeLimits, f: RefusalFacts): string {
  switch (reason) {
    case 'parallel':
      return `Too many requests in flight for ${l.label}: at most ${l.maxParallel} at a time.`;
    case 'rpm':
      return `Rate limit reached for ${l.label}: ${l.rpm} requests per minute. Try again in ${secs(f.waitMs ?? 60_000)}s.`;
    case 'tpm':
      if (f.waitMs === null) {
        return tooLargeMessage(l, f);
      }
      if (f.held) {
        return `Rate limit reached for ${l.label} for now: ${l.tpm} tokens per minute (in use ${f.tokensInUse}, requested ${f.tokens}), ` +
          `held by requests in flight until they finish (each reserved its worst case). Try again in ${secs(f.waitMs)}s: the room comes back as they settle.`;
      }
      return `Rate limit reached for ${l.label}: ${l.tpm} tokens per minute (in use ${f.tokensInUse}, requested ${f.tokens}). Try again in ${secs(f.waitMs)}s.`;
    case 'budget':
      if (f.held) {
        return `Budget exceeded for ${l.label} for now: ${usdText(l.budgetUsd ?? 0)} per ${l.period === 'total' ? 'lifetime' : l.period}; ` +
          `spent ${usdText(f.spentUsd)}, ${usdText(f.reservedUsd)} reserved by requests in flight until they finish, this request may cost up to ${usdText(f.worstCostUsd)}. ` +
          'Retry in a moment: the room comes back as they settle.';
      }
      return `Budget exceeded for ${l.label}: ${usdText(l.budgetUsd ?? 0)} per ${l.period === 'total' ? 'lifetime' : l.period}; ` +
        `spent ${usdText(f.spentUsd)}, ${usdText(f.reservedUsd)} reserved by requests in flight, this request may cost up to ${usdText(f.worstCostUsd)}.`;
  }
}

/** What limited keys get while Redis is unreachable, said beside each warning that it is. */
export function limitsWhileRedisDown(failMode: 'open' | 'closed'): string {
  return failMode === 'open'
    ? "limits are enforced from each instance's own counters meanwhile (LLM_PROXY__LIMITS__FAIL_MODE=open)"
    : 'keys with limits get 503 limits_unavailable meanwhile (LLM_PROXY__LIMITS__FAIL_MODE=closed)';
}
