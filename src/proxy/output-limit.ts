import type { RouteTarget } from '../routing/types';

/** The output-token fields of the request shapes the gateway sends on (chat, Anthropic Messages, Responses). */
const OUTPUT_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

/** The target's output limit (its models-table `max_output_tokens`); null: unknown. */
export const outputLimitOf = (target: RouteTarget): number | null => target.entry?.maxOutputTokens ?? null;

/**
 * The body with `field` set to `cap`, the max_tokens a small budget affords this target, for a
 * request that named no output limit (limits/budget-output-cap.ts); the same object without a cap,
 * or when the body names one already (the client's request is never changed in place).
 */
export function withOutputCap<T extends object>(body: T, cap: number | undefined, field: (typeof OUTPUT_FIELDS)[number]): T {
  if (cap === undefined) return body;
  const b = body as Record<string, unknown>;
  if (OUTPUT_FIELDS.some((f) => b[f] != null)) return body;
  return { ...b, [field]: cap } as T;
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
  const over = OUTPUT_FIELDS.filter((f) => typeof b[f] === 'number' && (b[f] as number) > limit);
  if (!over.length) return body;
  const out: Record<string, unknown> = { ...b };
  for (const f of over) out[f] = limit;
  const thinking = b.thinking as { budget_tokens?: unknown } | undefined;
  if (typeof out.max_tokens === 'number' && thinking && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= out.max_tokens) {
    out.thinking = { ...thinking, budget_tokens: out.max_tokens - 1 };
  }
  return out as T;
}
