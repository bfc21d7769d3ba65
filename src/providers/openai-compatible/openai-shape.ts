/** What OpenAI's chat completion and chunk ids start with. */
export const CHAT_ID_PREFIX = 'chatcmpl-';

/**
 * Fills the fields OpenAI's schemas require that OpenAI-compatible upstreams leave out, in
 * place, and says whether anything was added (so an answer that was already right keeps the
 * upstream's bytes). Only missing required fields are added, as null or their only value (and a bare id gets OpenAI's `chatcmpl-`);
 * provider extras (reasoning_content, num_sources_used...) stay.
 *
 * Non-stream (CreateChatCompletionResponse): each choice needs `logprobs` and `finish_reason`
 * (one of OpenAI's: xAI has sent `""`), each message `role`, `content` and `refusal` (DeepSeek,
 * Moonshot, xAI and Ollama omit some).
 * Stream (CreateChatCompletionStreamResponse): each choice needs `delta` and `finish_reason`
 * (xAI omits `finish_reason` until the last chunk).
 * A broken upstream's worse gaps get the same treatment, so the client still reads OpenAI's
 * shape: a missing `model` is the model asked for (`model`, when given), a choice that is not an
 * object an empty one, a `usage` that is not an object is dropped.
 */
export function fillCompletionShape(body: any, model?: string): boolean {
  if (!body || typeof body !== 'object') return false;
  let changed = fillTop(body, 'chat.completion', model);
  for (let i = 0; i < body.choices.length; i++) {
    let choice = body.choices[i];
    if (!choice || typeof choice !== 'object' || Array.isArray(choice)) (choice = body.choices[i] = {}), (changed = true);
    if (choice.index === undefined) (choice.index = i), (changed = true);
    if (choice.logprobs === undefined) (choice.logprobs = null), (changed = true);
    let message = choice.message;
    if (!message || typeof message !== 'object') (message = choice.message = {}), (changed = true);
    // Required and non-null here: an upstream that says nothing (or `""`, as xAI has for a turn of
    // tool calls, per LiteLLM's xAI adapter) ended normally: `tool_calls` when it made calls.
    if (choice.finish_reason == null || choice.finish_reason === '') {
      choice.finish_reason = Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? 'tool_calls' : 'stop';
      changed = true;
    }
    if (message.role === undefined) (message.role = 'assistant'), (changed = true);
    if (message.content === undefined) (message.content = null), (changed = true);
    if (message.refusal === undefined) (message.refusal = null), (changed = true);
  }
  return changed;
}

/** The stream chunk counterpart of fillCompletionShape. */
export function fillChunkShape(chunk: any, model?: string): boolean {
  if (!chunk || typeof chunk !== 'object') return false;
  let changed = fillTop(chunk, 'chat.completion.chunk', model);
  for (let i = 0; i < chunk.choices.length; i++) {
    let choice = chunk.choices[i];
    if (!choice || typeof choice !== 'object' || Array.isArray(choice)) (choice = chunk.choices[i] = {}), (changed = true);
    if (choice.index === undefined) (choice.index = i), (changed = true);
    // Not there yet (xAI omits it until the last chunk); `""` is no finish reason of OpenAI's either.
    if (choice.finish_reason === undefined || choice.finish_reason === '') (choice.finish_reason = null), (changed = true);
    if (!choice.delta || typeof choice.delta !== 'object') (choice.delta = {}), (changed = true);
  }
  return changed;
}

/**
 * `id`, `object`, `choices`, `created` and `model` (every working upstream sends it); a `usage` that is not an object goes.
 * An id without OpenAI's `chatcmpl-` (DeepSeek's and xAI's are bare UUIDs) gets it in front, so every chunk of
 * a stream still shares one id and the upstream's stays readable in it.
 */
function fillTop(body: any, object: string, model: string | undefined): boolean {
  let changed = false;
  if (typeof body.id !== 'string') (body.id = `chatcmpl-${crypto.randomUUID().replace(/-/g, '')}`), (changed = true);
  else if (!body.id.startsWith(CHAT_ID_PREFIX)) (body.id = CHAT_ID_PREFIX + body.id), (changed = true);
  if (body.object !== object) (body.object = object), (changed = true);
  if (!Array.isArray(body.choices)) (body.choices = []), (changed = true);
  if (typeof body.created !== 'number') (body.created = Math.floor(Date.now() / 1000)), (changed = true);
  if (model !== undefined && typeof body.model !== 'string') (body.model = model), (changed = true);
  if (body.usage != null && (typeof body.usage !== 'object' || Array.isArray(body.usage))) (delete body.usage, (changed = true));
  return changed;
}
