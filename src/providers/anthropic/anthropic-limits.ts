import { badRequest } from '../../errors/api-error';
import { shownValue } from '../../errors/shown-value';

/**
 * Anthropic requires max_tokens. Without one from the client the gateway asks for
 * DEFAULT_MAX_TOKENS, capped at the model's output limit (Claude 3 models stop at 4096).
 * A default far below the limit keeps Anthropic's output-rate estimate (made from max_tokens
 * before the answer) and the gateway's own TPM reservation modest for ordinary requests.
 */
export const DEFAULT_MAX_TOKENS = 8192;

/**
 * Output token limits of Claude models by id (Anthropic's models overview), first match wins. This
 * is only the seed: the models table's `max_output_tokens` (seeded from it: db/seed/model-prices.ts)
 * is what a request reads, and this list only for an id the table gives no limit.
 */
const CLAUDE_OUTPUT_LIMITS: readonly (readonly [RegExp, number])[] = [
  [/claude-3-(haiku|opus|sonnet)-/, 4096],
  [/claude-3-5-/, 8192],
  [/claude-opus-4(-[01])?(-\d{8})?$/, 32_000],
  [/claude-opus-4-6/, 128_000],
  [/claude-(opus|sonnet|haiku)-4-5/, 64_000],
];
/** The output limit taken for a Claude model neither the table nor the list knows (the newest models'). */
const NEWEST_CLAUDE_OUTPUT_TOKENS = 64_000;

/** The output limit the list gives a Claude model id; null: not listed. */
export function listedClaudeOutputLimit(model: string): number | null {
  return CLAUDE_OUTPUT_LIMITS.find(([re]) => re.test(model))?.[1] ?? null;
}

/** A Claude model's output limit: its models-table `max_output_tokens` when set, else the list's, else the newest models'. */
export function outputLimit(model: string, column?: number | null): number {
  return column || listedClaudeOutputLimit(model) || NEWEST_CLAUDE_OUTPUT_TOKENS;
}

/**
 * reasoning_effort -> thinking budget (budget_tokens; Anthropic's minimum is 1024). The same
 * steps as Gemini's: low 1K, medium 8K, high 24K; `none` switches thinking off.
 */
const BUDGETS: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 32000, max: 32000 };

/**
 * Claude Opus 4.7 and later take adaptive thinking only (`thinking: {type: "adaptive"}` with
 * `output_config.effort`; a budget is a 400) and no sampling settings (`temperature`, `top_p`,
 * `top_k`: a 400). The models before them, listed here, take budgets and sampling.
 */
const BEFORE_ADAPTIVE_ONLY = /^claude-(3|(opus|sonnet|haiku)-4(-[0-6])?(-\d{8})?$)/;

export function isAdaptiveOnly(model: string): boolean {
  return model.startsWith('claude-') && !BEFORE_ADAPTIVE_ONLY.test(model);
}

/** reasoning_effort -> output_config.effort of adaptive thinking (Anthropic has no `minimal`). */
const EFFORTS: Record<string, string> = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'xhigh', max: 'max' };

export function adaptiveEffort(effort: string): string | undefined {
  return EFFORTS[effort];
}

export function thinkingBudget(effort: unknown): number | null {
  if (effort === undefined || effort === null) return null;
  if (typeof effort !== 'string' || !(effort in BUDGETS)) throw badRequest(`Unknown reasoning_effort '${shownValue(effort)}'.`, 'reasoning_effort');
  return BUDGETS[effort]!;
}

/**
 * max_tokens to send, and the thinking budget that fits it (`column`: the model's models-table
 * max_output_tokens, which wins over the list; a client's ask above a known limit is lowered to
 * it). Anthropic counts thinking inside max_tokens and wants budget_tokens < max_tokens. When the client's limit does not leave room
 * above the budget, the client's limit is taken as room for the visible answer and max_tokens is
 * raised to budget + that limit (capped at the model's output limit, the budget shrinking to fit).
 */
export function planTokens(model: string, asked: number | undefined, budget: number | null, column?: number | null): { maxTokens: number; budget: number | null } {
  const limit = outputLimit(model, column);
  // A limit the table or the list knows bounds the client's ask too (Anthropic refuses more with a
  // 400); the proxy lowers it for a model the table lists, this for a dated id only the list knows.
  const known = column || listedClaudeOutputLimit(model);
  const clientMax = asked !== undefined && known ? Math.min(asked, known) : asked;
  const answer = clientMax ?? Math.min(DEFAULT_MAX_TOKENS, limit);
  if (!budget) return { maxTokens: answer, budget: null };
  if (clientMax !== undefined && clientMax > budget) return { maxTokens: clientMax, budget };
  const maxTokens = Math.min(budget + answer, Math.max(limit, answer));
  if (maxTokens >= budget + answer) return { maxTokens, budget };
  // Capped at the model's limit: the budget gives way, keeping some room for the answer.
  return { maxTokens, budget: Math.max(1024, Math.min(budget, maxTokens - Math.min(answer, 1024))) };
}
