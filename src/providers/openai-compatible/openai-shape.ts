/**
 * Fills the fields OpenAI's schemas require that OpenAI-compatible upstreams leave out, in
 * place, and says whether anything was added (so an answer that was already right keeps the
 * upstream's bytes). Only missing required fields are added, as null or their only value;
 * provider extras (reasoning_content, num_sources_used...) stay.
 *
 * Non-stream (CreateChatCompletionResponse): each choice needs `logprobs` and `finish_reason`,
 * each message `role`, `content` and `refusal` (DeepSeek, Moonshot, xAI and Ollama omit some).
 * Stream (CreateChatCompletionStreamResponse): each choice needs `delta` and `finish_reason`
 * (xAI omits `finish_reason` until the last chunk).
 */
export function fillCompletionShape(body: any): boolean {
  if (!body || typeof body !== 'object') return false;
  let changed = fillTop(body, 'chat.completion');
  if (!Array.isArray(body.choices)) return changed;
  for (let i = 0; i < body.choices.length; i++) {
    const choice = body.choices[i];
    if (!choice || typeof choice !== 'object') continue;
    if (choice.index === undefined) (choice.index = i), (changed = true);
    if (choice.logprobs === undefined) (choice.logprobs = null), (changed = true);
    // Required and non-null here: an upstream that says nothing ended normally.
    if (choice.finish_reason == null) (choice.finish_reason = 'stop'), (changed = true);
    let message = choice.message;
    if (!message || typeof message !== 'object') (message = choice.message = {}), (changed = true);
    if (message.role === undefined) (message.role = 'assistant'), (changed = true);
    if (message.content === undefined) (message.content = null), (changed = true);
    if (message.refusal === undefined) (message.refusal = null), (changed = true);
  }
  return changed;
}

/** The stream chunk counterpart of fillCompletionShape. */
export function fillChunkShape(chunk: any): boolean {
  if (!chunk || typeof chunk !== 'object') return false;
  let changed = fillTop(chunk, 'chat.completion.chunk');
  if (!Array.isArray(chunk.choices)) return changed;
  for (let i = 0; i < chunk.choices.length; i++) {
    const choice = chunk.choices[i];
    if (!choice || typeof choice !== 'object') continue;
    if (choice.index === undefined) (choice.index = i), (changed = true);
    if (choice.finish_reason === undefined) (choice.finish_reason = null), (changed = true);
    if (!choice.delta || typeof choice.delta !== 'object') (choice.delta = {}), (changed = true);
  }
  return changed;
}

/** `id`, `object`, `choices` and `created` (`model`, the last required one, every upstream sends). */
function fillTop(body: any, object: string): boolean {
  let changed = false;
  if (typeof body.id !== 'string') (body.id = `chatcmpl-${crypto.randomUUID().replace(/-/g, '')}`), (changed = true);
  if (body.object !== object) (body.object = object), (changed = true);
  if (!Array.isArray(body.choices)) (body.choices = []), (changed = true);
  if (typeof body.created !== 'number') (body.created = Math.floor(Date.now() / 1000)), (changed = true);
  return changed;
}
