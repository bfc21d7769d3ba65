import { badRequest } from '../../errors/api-error';

/**
 * Anthropic requires max_tokens. Without one from the client the gateway asks for
 * DEFAULT_MAX_TOKENS, capped at the model's output limit (Claude 3 models stop at 4096).
 * A default far below the limit keeps Anthropic's output-rate estimate (made from max_tokens
 * before the answer) and the gateway's own TPM reservation modest for ordinary requests.
 */
export const DEFAULT_MAX_TOKENS = 8192;

/** Output token limits of Claude models, by id; the newest models are the fallback. */
export function outputLimit(model: string): number {
  if (/claude-3-(haiku|opus|sonnet)-/.test(model)) return 4096;
  if (/claude-3-5-/.test(model)) return 8192;
  if (/claude-opus-4(-[01])?(-\d{8})?$/.test(model)) return 32_000;
  if (/claude-opus-4-6/.test(model)) return 128_000;
  return 64_000;
}

/**
 * reasoning_effort -> thinking budget (budget_tokens; Anthropic's minimum is 1024). The same
 * steps as Gemini's: low 1K, medium 8K, high 24K; `none` switches thinking off.
 */
const BUDGETS: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 32000, max: 32000 };

export function thinkingBudget(effort: unknown): number | null {
  if (effort === undefined || effort === null) return null;
  if (typeof effort !== 'string' || !(effort in BUDGETS)) throw badRequest(`Unknown reasoning_effort '${String(effort)}'.`, 'reasoning_effort');
  return BUDGETS[effort]!;
}

/**
 * max_tokens to send, and the thinking budget that fits it. Anthropic counts thinking inside
 * max_tokens and wants budget_tokens < max_tokens. When the client's limit does not leave room
 * above the budget, the client's limit is taken as room for the visible answer and max_tokens is
 * raised to budget + that limit (capped at the model's output limit, the budget shrinking to fit).
 */
export function planTokens(model: string, clientMax: number | undefined, budget: number | null): { maxTokens: number; budget: number | null } {
  const limit = outputLimit(model);
  const answer = clientMax ?? Math.min(DEFAULT_MAX_TOKENS, limit);
  if (!budget) return { maxTokens: answer, budget: null };
  if (clientMax !== undefined && clientMax > budget) return { maxTokens: clientMax, budget };
  const maxTokens = Math.min(budget + answer, Math.max(limit, answer));
  if (maxTokens >= budget + answer) return { maxTokens, budget };
  // Capped at the model's limit: the budget gives way, keeping some room for the answer.
  return { maxTokens, budget: Math.max(1024, Math.min(budget, maxTokens - Math.min(answer, 1024))) };
}
