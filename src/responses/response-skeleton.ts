import type { ReasoningItem, ResponseObject, ResponseUsage, ResponsesRequest, ResponsesTool } from './responses-types';

/**
 * The `response` object before any output: the request's settings echoed back the way OpenAI
 * does (defaults filled in), so a bridged response validates against OpenAI's schema.
 */
export function responseSkeleton(req: ResponsesRequest, id: string, model: string, createdAt: number): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: typeof req.instructions === 'string' ? req.instructions : null,
    max_output_tokens: typeof req.max_output_tokens === 'number' ? req.max_output_tokens : null,
    model,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    store: req.store !== false,
    temperature: typeof req.temperature === 'number' ? req.temperature : 1,
    // OpenAI always echoes verbosity, its default `medium` when not sent.
    text: { format: req.text?.format ?? { type: 'text' }, verbosity: req.text?.verbosity ?? 'medium' },
    tool_choice: req.tool_choice ?? 'auto',
    tools: (req.tools ?? []).map(echoedTool),
    top_p: typeof req.top_p === 'number' ? req.top_p : 1,
    truncation: req.truncation === 'auto' ? 'auto' : 'disabled',
    usage: null,
    user: typeof req.user === 'string' ? req.user : null,
    metadata: req.metadata ?? {},
    background: false,
    max_tool_calls: typeof req.max_tool_calls === 'number' ? req.max_tool_calls : null,
    // Strings when set, left out otherwise (OpenAI's schema has no null for them).
    ...(typeof req.safety_identifier === 'string' ? { safety_identifier: req.safety_identifier } : {}),
    ...(typeof req.prompt_cache_key === 'string' ? { prompt_cache_key: req.prompt_cache_key } : {}),
  };
}

/**
 * A tool as OpenAI echoes it: a function with its defaults filled in, a custom (freeform) tool as a
 * custom tool with its format (Codex CLI's `apply_patch`; echoed as a function it read as one
 * without parameters). The bridge takes no other kind.
 */
function echoedTool(t: ResponsesTool): Record<string, unknown> {
  if (t.type === 'custom') {
    return { type: 'custom', name: t.name, ...(typeof t.description === 'string' ? { description: t.description } : {}), format: t.format ?? { type: 'text' } };
  }
  return { type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? true };
}

/**
 * Whether the request asked for a reasoning summary (`reasoning.summary` auto, concise or
 * detailed). A chat upstream gives its reasoning only in full, so the bridge then also gives that
 * text as the reasoning item's one summary part: clients that read only summaries (the Vercel AI
 * SDK) see it.
 */
export function wantsReasoningSummary(response: { reasoning?: { summary?: string | null } | null }): boolean {
  const s = response.reasoning?.summary;
  return s === 'auto' || s === 'concise' || s === 'detailed';
}

/** A reasoning item's `summary` for `text`: the text as its one part when summaries are on and it has any. */
export function reasoningSummary(on: boolean, text: string): ReasoningItem['summary'] {
  return on && text ? [{ type: 'summary_text', text }] : [];
}

/** Chat usage (OpenAI convention, as the chat pipeline returns it) -> Responses usage. */
export function toResponseUsage(u: {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
} | null | undefined): ResponseUsage | null {
  if (!u) return null;
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  // Prompt-cache writes (Anthropic's) as the chat usage tells them (toOpenAIUsage).
  const written = u.prompt_tokens_details?.cache_write_tokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0, ...(written ? { cache_write_tokens: written } : {}) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: input + output,
  };
}

/**
 * Why an upstream call failed -> the failed response's `error`, with OpenAI's code for it: a rate
 * limit (a 429, before or during the answer) is `rate_limit_exceeded`, what clients back off and
 * retry on; anything else `server_error`. A string is the message alone.
 */
export function responseError(err: unknown): NonNullable<ResponseObject['error']> {
  if (typeof err === 'string') return { code: 'server_error', message: err };
  const status = (err as { status?: unknown } | null)?.status;
  const message = (err as Error | null)?.message;
  return { code: status === 429 ? 'rate_limit_exceeded' : 'server_error', message: typeof message === 'string' && message ? message : 'The upstream stream failed.' };
}

/**
 * finish_reason -> the response's final status. A turn Anthropic paused (`stop_reason: "pause_turn"`
 * beside `length`: its server tools at work) is `incomplete` with the reason `pause_turn`: OpenAI's two
 * would each send the client the wrong way (max_output_tokens to raise a cap that was not hit,
 * content_filter to give up), while the turn only needs continuing. Not an empty object: the Vercel AI
 * SDK reads `incomplete_details` as `{ reason: string } | null` and fails the whole response on `{}`;
 * a reason it does not know it reports as finishReason `other`, the raw reason beside it.
 */
export function finalStatus(finishReason: string | null | undefined, stopReason?: unknown): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: stopReason === 'pause_turn' ? 'pause_turn' : 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}
