/**
 * Ollama's 400s for what a model cannot do (server/routes.go ChatHandler, through its OpenAI
 * endpoint's error middleware with `code: null`): `"<model>" does not support tools` (its template
 * has no tools), `"<model>" does not support thinking` (any reasoning_effort but `none` on a model
 * without thinking), `think value "low" is not supported for this model` (a level on a model that
 * takes on/off only, some versions). The request's parameter the model refuses, or null for
 * any other message. Read as OpenAI's `unsupported_parameter` (upstream-errors.ts): the client is
 * told which field, and a group goes on to a model that takes it.
 */
export function ollamaRefusedParam(message: string): string | null {
  if (/ does not support tools$/.test(message)) return 'tools';
  if (/ does not support thinking$|^think value .* is not supported for this model$/.test(message)) return 'reasoning_effort';
  return null;
}
