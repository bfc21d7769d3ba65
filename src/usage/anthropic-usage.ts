import type { Usage } from './types';
import { count, field, validCounts } from './usage-fields';

/**
 * Anthropic `usage` -> canonical usage. Pure. Returns null when the object carries no counts, or a
 * count that is nonsense (negative, a string: validCounts), so the caller estimates instead.
 *
 * Anthropic's `input_tokens` EXCLUDES cache reads and cache writes (they are reported beside it),
 * while OpenAI's prompt_tokens includes every prompt token: input = input + cache read + cache
 * write, cachedInput = cache read, cacheWrite = cache creation, of which cacheWrite1h went to the
 * 1-hour cache (`cache_creation.ephemeral_1h_input_tokens`, billed at a higher rate than the
 * 5-minute writes; absent on old API versions, when every write is a 5-minute one). `output_tokens` already includes
 * thinking: `output_tokens_details.thinking_tokens` (newer API versions) says how much of it, and
 * is read as `reasoning`, a part of `output` as OpenAI's reasoning_tokens are (at most `output`;
 * billed once, at the reasoning price, which is the output price unless the model sets one).
 * Absent or null: reasoning 0 (the gateway does not guess a split).
 *
 * In a stream, message_start carries the prompt counts and message_delta the running output
 * count (newer API versions repeat the prompt counts there too): merge the two, later non-null
 * values winning, before calling this.
 */
export function normalizeAnthropicUsage(raw: unknown): Usage | null {
  if (!raw || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  if (!validCounts(u.input_tokens, u.output_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens)) return null;
  const own = tokenCounts(u);
  // Compaction (context_management's compact strategy) is a sampling step of its own that
  // Anthropic bills but leaves out of the top-level counts: added in, and kept apart for its price.
  const compactions = Array.isArray(u.iterations)
    ? u.iterations.filter((it): it is Record<string, unknown> => it?.type === 'compaction').map(tokenCounts)
    : [];
  const total = compactions.reduce(
    (t, c) => ({ input: t.input + c.input, cachedInput: t.cachedInput + c.cachedInput, cacheWrite: t.cacheWrite + c.cacheWrite, cacheWrite1h: t.cacheWrite1h + c.cacheWrite1h, output: t.output + c.output, reasoning: t.reasoning + c.reasoning }),
    own,
  );
  const webSearches = count((u.server_tool_use as Record<string, unknown> | null | undefined)?.web_search_requests);
  return {
    input: total.input,
    cachedInput: total.cachedInput,
    output: total.output,
    reasoning: total.reasoning,
    cacheWrite: total.cacheWrite,
    ...(total.cacheWrite1h > 0 ? { cacheWrite1h: total.cacheWrite1h } : {}),
    ...(webSearches > 0 ? { webSearches } : {}),
    ...(compactions.length ? { extraSteps: compactions } : {}),
    // Billing follows where and how Anthropic says it ran the request, not what was asked.
    ...(u.speed === 'fast' ? { fast: true as const } : {}),
    ...(u.inference_geo === 'us' ? { usOnly: true as const } : {}),
  };
}

/** One sampling step's counts (the top level, or an entry of `usage.iterations`), `input` in OpenAI's convention. */
function tokenCounts(u: Record<string, unknown>) {
  const cachedInput = count(u.cache_read_input_tokens);
  const cacheWrite = count(u.cache_creation_input_tokens);
  const creation = u.cache_creation as Record<string, unknown> | null | undefined;
  const output = count(u.output_tokens);
  return {
    input: count(u.input_tokens) + cachedInput + cacheWrite,
    cachedInput,
    cacheWrite,
    cacheWrite1h: Math.min(count(creation?.ephemeral_1h_input_tokens), cacheWrite),
    output,
    // Thinking, of the output (`output_tokens_details` is null or absent where not reported).
    reasoning: Math.min(count(field(u.output_tokens_details, 'thinking_tokens')), output),
  };
}

/**
 * Usage of an Anthropic event stream: `message_start` carries the prompt's counts, `message_delta`
 * the output's (and, in newer versions, the prompt's again). Each call merges one event's usage
 * (later non-null values win) and returns the normalised total so far. message_delta's usage is
 * cumulative: its `output_tokens_details` replaces message_start's, and one that lacks it (or
 * sends null) leaves the last reported thinking count standing.
 */
export function anthropicUsageMerger(): (u: unknown) => Usage | null {
  let raw: Record<string, unknown> | null = null;
  return (u) => {
    if (u && typeof u === 'object') {
      raw ??= {};
      for (const [k, v] of Object.entries(u)) if (v !== null && v !== undefined) raw[k] = v;
    }
    return raw ? normalizeAnthropicUsage(raw) : null;
  };
}
