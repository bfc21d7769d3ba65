import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { RouteTarget } from '../routing/types';
import { promptPieces } from '../usage/estimate-usage';
import { tokenCounter, type TokenCounter } from '../usage/token-counter';

/**
 * `truncation: "auto"` on a bridged model, as OpenAI does it: when the input would not fit the
 * model's context window, items are dropped from the beginning of the conversation until it
 * does. `instructions` (the leading system message) always stay, and so does the newest message;
 * a tool result whose call was dropped goes with it (chat upstreams refuse an orphan result).
 * The window is the smallest the models table knows among the targets (a fallback must fit too);
 * none known: nothing is dropped. Counts are estimates (usage/estimate-usage.ts), and the
 * window keeps room for `max_output_tokens` when the request sets it.
 */
export async function truncateToWindow(
  messages: ChatCompletionMessageParam[],
  opts: { targets: readonly RouteTarget[]; hasInstructions: boolean; maxOutputTokens?: number | null },
  counter: TokenCounter = tokenCounter,
): Promise<ChatCompletionMessageParam[]> {
  const window = contextWindowOf(opts.targets);
  if (window === null) return messages;
  const budget = window - (opts.maxOutputTokens ?? 0);
  const costs = await messageCosts(messages, counter);
  let total = costs.reduce((a, n) => a + n, REPLY_PRIMING);
  if (total <= budget) return messages;
  const first = opts.hasInstructions ? 1 : 0;
  let from = first;
  // Drop the oldest message, then any tool results it leaves without their call.
  while (total > budget && from < messages.length - 1) {
    total -= costs[from++]!;
    while (from < messages.length - 1 && messages[from]!.role === 'tool') total -= costs[from++]!;
  }
  // The newest message is a tool result: its call stays with it, fitting or not.
  while (from > first && messages[from]!.role === 'tool') from--;
  return [...messages.slice(0, first), ...messages.slice(from)];
}

/** What promptPieces adds once per prompt (the reply's priming), not per message. */
const REPLY_PRIMING = promptPieces([]).fixed;

/** The smallest context window the models table gives a target, or null when none gives one. */
export function contextWindowOf(targets: readonly RouteTarget[]): number | null {
  const known = targets.map((t) => t.entry?.contextWindow).filter((w): w is number => typeof w === 'number' && w > 0);
  return known.length ? Math.min(...known) : null;
}

/** Each message's estimated tokens, in one round trip to the counter. */
async function messageCosts(messages: ChatCompletionMessageParam[], counter: TokenCounter): Promise<number[]> {
  const pieces = messages.map((m) => promptPieces([m]));
  const counts = await counter.count(pieces.flatMap((p) => p.texts));
  let at = 0;
  return pieces.map((p) => {
    const texts = counts.slice(at, (at += p.texts.length));
    return texts.reduce((a, n) => a + n, p.fixed - REPLY_PRIMING);
  });
}
