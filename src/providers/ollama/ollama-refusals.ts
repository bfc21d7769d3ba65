/**
 * Ollama's 400s for what a model cannot do (server/routes.go ChatHandler, through its OpenAI
 * endpoint's error middleware with `code: null`): `"<model>" does not support tools` (its template
 * has no tools), `"<model>" does not support thinking` (any reasoning_effort but `none` on a model
 * without thinking), `think value "low" is not supported for this model` (a level on a model that
 * takes on/off only, some versions; a qwen3 or deepseek-r1 pulled before its template could think gets
 * `<model> does not support thinking. Pull the model again to get the latest version with full
 * thinking support`, server/images.go CheckCapabilities), `"<model>" does not support chat` (an embedding model). The
 * request's parameter the model refuses (`model` for chat itself), or null for any other message.
 * Read as OpenAI's `unsupported_parameter` (`model_not_supported` for `model`; upstream-errors.ts):
 * the client is told which field, and a group goes on to a model that takes it.
 */
export function ollamaRefusedParam(message: string): string | null {
  if (/ does not support tools$/.test(message)) return 'tools';
  if (/ does not support thinking(?:\. Pull the model again\b.*)?$|^think value .* is not supported for this model$/.test(message)) return 'reasoning_effort';
  if (/ does not support chat$/.test(message)) return 'model';
  return null;
}
