import type { RouteTarget } from '../routing/types';

/**
 * The max_tokens the gateway sends a target, where the key's or team's budget could not hold what
 * the request may write (made at admission by outputCapOf, limits/budget-output-cap.ts): what the
 * request's reservation affords at that target's own prices. Undefined: no cap (the budgets held
 * the whole worst case at that target).
 */
export type OutputCap = (target: RouteTarget) => number | undefined;

/** The output-token fields of the request shapes the gateway sends on (chat, Anthropic Messages, Responses). */
const OUTPUT_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

/**
 * The fields a target reads its output limit from, by the field the cap goes in: a chat or Messages
 * body's `max_completion_tokens` or `max_tokens`, a Responses body's `max_output_tokens`. Another
 * name in the body limits nothing there: the cap is set beside it.
 */
const READ_FIELDS: Record<(typeof OUTPUT_FIELDS)[number], readonly (typeof OUTPUT_FIELDS)[number][]> = {
  max_tokens: ['max_tokens', 'max_completion_tokens'],
  max_completion_tokens: ['max_tokens', 'max_completion_tokens'],
  max_output_tokens: ['max_output_tokens'],
};

/** The target's output limit (its models-table `max_output_tokens`); null: unknown. */
export const outputLimitOf = (target: RouteTarget): number | null => target.entry?.maxOutputTokens ?? null;

/**
 * The body with its output held to `cap`, the max_tokens a small budget affords this target
 * (limits/budget-output-cap.ts): `field` set to it when the body names no output limit (chat,
 * Responses), a named limit above it lowered to it (Anthropic's Messages API requires max_tokens,
 * so there the client's is a ceiling), with an Anthropic thinking budget that no longer fits below
 * it (fitThinking). The same object without a cap or with nothing above it (the client's request
 * is never changed in place).
 */
export function withOutputCap<T extends object>(body: T, cap: number | undefined, field: (typeof OUTPUT_FIELDS)[number]): T {
  // Closures live in cappedBody: a function holding one gets a scope object on every call, and
  // this one runs for every attempt, nearly always without a cap.
  return cap === undefined ? body : cappedBody(body, cap, field);
}

function cappedBody<T extends object>(body: T, cap: number, field: (typeof OUTPUT_FIELDS)[number]): T {
  const b = body as Record<string, unknown>;
  const named = READ_FIELDS[field].filter((f) => b[f] != null);
  const over = named.filter((f) => typeof b[f] === 'number' && (b[f] as number) > cap);
  if (named.length && !over.length) return body;
  const out: Record<string, unknown> = { ...b };
  for (const f of named.length ? over : [field]) out[f] = cap;
  const thinking = fitThinking(b.thinking, cap, typeof b.max_tokens === 'number' ? b.max_tokens : cap);
  if (thinking !== b.thinking) out.thinking = thinking;
  return out as T;
}

/** Anthropic's smallest thinking budget (`thinking.budget_tokens`). */
export const MIN_THINKING_BUDGET = 1024;

/**
 * An Anthropic `thinking` setting for a max_tokens lowered from `asked` to `cap`: a budget of
 * `cap` or more (Anthropic refuses budget_tokens >= max_tokens) is lowered to the share of max_tokens
 * the client gave it (Claude Code's 31,999 of 32,000 becomes all but a token or so of the cap),
 * never under Anthropic's minimum of 1024 (a request with a budget is given room for it: its least
 * cap is above it). Thinking stays on: turning it off in the middle of a tool loop is refused by Anthropic.
 */
function fitThinking(thinking: unknown, cap: number, asked: number): unknown {
  const t = thinking as { type?: unknown; budget_tokens?: unknown } | null | undefined;
  if (!t || t.type !== 'enabled' || typeof t.budget_tokens !== 'number' || t.budget_tokens < cap) return thinking;
  const share = Math.floor((t.budget_tokens * cap) / Math.max(asked, t.budget_tokens + 1));
  return { ...t, budget_tokens: Math.max(MIN_THINKING_BUDGET, Math.min(cap - 1, share)) };
}

/**
 * The body to send to a model that writes at most `limit` tokens per answer: every output-token
 * field above it lowered to it (Claude Code asks 32000; DeepSeek's deepseek-chat refuses more than
 * 8192 with a 400, so every turn would fail). An Anthropic thinking budget, which must stay below
 * max_tokens, is lowered with it. The same object when nothing is over (or the limit is unknown):
 * the client's request is never changed in place, as a group walk sends it to each target in turn.
 */
export function clampOutputTokens<T extends object>(body: T, limit: number | null): T {
  if (!limit) return body;
  const b = body as Record<string, unknown>;
  // A loop, not filter: this runs for every attempt, and nothing is over nearly always.
  let over: (typeof OUTPUT_FIELDS)[number][] | null = null;
  for (const f of OUTPUT_FIELDS) if (typeof b[f] === 'number' && (b[f] as number) > limit) (over ??= []).push(f);
  if (!over) return body;
  const out: Record<string, unknown> = { ...b };
  for (const f of over) out[f] = limit;
  const thinking = b.thinking as { budget_tokens?: unknown } | undefined;
  if (typeof out.max_tokens === 'number' && thinking && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= out.max_tokens) {
    out.thinking = { ...thinking, budget_tokens: out.max_tokens - 1 };
  }
  return out as T;
}
