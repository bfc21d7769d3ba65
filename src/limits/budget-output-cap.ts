import type { RouteTarget } from '../routing/types';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import { worstCaseOf, type WorstCase } from './worst-case';
import type { LimitedEndpoint } from './limit-types';
import type { WorstPrices } from './worst-prices';
import { MIN_THINKING_BUDGET, type OutputCap } from '../proxy/output-limit';

/**
 * The least output a request is given under a small budget where it may be capped (minimumOutput): below it the
 * answer would be cut after a few words, which helps nobody (a refusal says why instead).
 */
export const MIN_BUDGET_OUTPUT_TOKENS = 16;

/**
 * The least output a request may be admitted with where its budget cannot hold what it may write,
 * the rest of its output then capped to what the budget holds; null: the request keeps its own ask
 * (refused when the budget cannot hold it).
 * - chat and Responses: a request that named no max_tokens / max_completion_tokens /
 *   max_output_tokens. A client that named one keeps it: a client asking for 4,000 tokens is told,
 *   not cut short unasked.
 * - /v1/messages: always, as Anthropic requires max_tokens and clients send a large ceiling (Claude
 *   Code 32,000) rather than a length they need: it is taken as a ceiling, cut to what the budget
 *   holds (the answer then stops with `max_tokens`). A thinking budget needs room for Anthropic's
 *   least budget beside the minimum (fitThinking lowers a larger one).
 */
export function minimumOutput(endpoint: LimitedEndpoint, worst: WorstCase, body: Record<string, unknown>): number | null {
  if (endpoint === 'chat' || endpoint === 'responses') return worst.defaultOutputTokens !== undefined ? MIN_BUDGET_OUTPUT_TOKENS : null;
  if (endpoint !== 'messages' || typeof body.max_tokens !== 'number') return null;
  const thinking = body.thinking as { type?: unknown } | null | undefined;
  const least = thinking?.type === 'enabled' ? MIN_THINKING_BUDGET + MIN_BUDGET_OUTPUT_TOKENS : MIN_BUDGET_OUTPUT_TOKENS;
  return body.max_tokens > least ? least : null;
}

/**
 * The most output tokens (at least `least`, minimumOutput) with which the request's worst case at
 * `prices` (worstCaseOf with that max_tokens: its prompt's ceiling, the thinking a Claude target adds,
 * `n` choices, tool fees...) costs at most `usd`; null when even the minimum costs more; Infinity
 * when no cap is needed: the default allowance fits, or more output costs nothing more (a free
 * model, or one whose output limit is reached already).
 * The cost rises in a straight line with the cap until a model's output limit flattens it, so the
 * line's figure fits; it is checked, as a float's last bit could tip it over.
 */
export function affordableOutput(endpoint: LimitedEndpoint, body: Record<string, unknown>, bodyBytes: number, prices: WorstPrices, usd: number, least = MIN_BUDGET_OUTPUT_TOKENS): number | null {
  // A target whose default allowance fits is sent none (a cheap fallback may afford its whole window).
  if (worstCaseOf(endpoint, body, bodyBytes, prices).costUsd <= usd) return Infinity;
  const cost = (n: number) => worstCaseOf(endpoint, body, bodyBytes, prices, n).costUsd;
  const lo = least;
  const atLo = cost(lo);
  if (!(atLo <= usd)) return null;
  const perToken = cost(lo + 1) - atLo;
  if (!(perToken > 0)) return Infinity;
  let n = Math.max(lo, Math.floor(lo + (usd - atLo) / perToken));
  while (n > lo && cost(n) > usd) n = lo + Math.floor((n - lo) * 0.999);
  return n;
}

/** The models a name may route to: itself, or every target of a group (groups of groups too). */
function modelsOf(name: string, snap: RuntimeSnapshot, seen: Set<string>): string[] {
  const group = snap.models.has(name) ? undefined : snap.groups.get(name);
  if (!group) return [name];
  if (seen.has(name)) return [];
  seen.add(name);
  return group.targets.flatMap((t) => modelsOf(t, snap, seen));
}

/**
 * The most output any model `name` may route to is sent under `cap`; Infinity when one of them is
 * sent none (its default allowance fit). What a capped request's TPM reservation holds beside its
 * prompt, rather than the default allowance.
 */
export function largestCap(name: string, snap: RuntimeSnapshot, cap: OutputCap): number {
  let most = 0;
  for (const modelId of modelsOf(name, snap, new Set())) most = Math.max(most, cap({ modelId } as RouteTarget) ?? Infinity);
  return most;
}

/**
 * The cap per target for a request admitted with `reservedUsd` where it asked for more: each
 * target gets what the reservation affords at its own prices (a cheaper fallback writes more for
 * the same reserved dollars), from the request's own share of it (the classifier calls routing may
 * make are reserved beside it). Every target's prices are at most the dearest ones the reservation
 * was reckoned at, so each cap is at least the minimum.
 */
export function outputCapOf(args: {
  endpoint: LimitedEndpoint;
  body: Record<string, unknown>;
  bodyBytes: number;
  ownUsd: number;
  /** The least output the request was admitted with (minimumOutput). */
  least: number;
  pricesOf: (target: RouteTarget) => WorstPrices;
}): OutputCap {
  const caps = new Map<string, number>();
  return (target) => {
    let cap = caps.get(target.modelId);
    if (cap === undefined) {
      cap = affordableOutput(args.endpoint, args.body, args.bodyBytes, args.pricesOf(target), args.ownUsd, args.least) ?? args.least;
      caps.set(target.modelId, cap);
    }
    return Number.isFinite(cap) ? cap : undefined;
  };
}
