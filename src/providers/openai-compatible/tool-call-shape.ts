/*
 * OpenAI's tool calls always carry an `id`, `type: "function"` and `function.arguments` as JSON
 * text. Some OpenAI-compatible servers answer otherwise: Ollama's native shape (and llama-server,
 * ggml-org/llama.cpp#20198) gives the arguments as a JSON object, and servers that copy it leave
 * out the id and the type (BerriAI/litellm#24095; vLLM and others in streams). Clients break on
 * each: the gateway read an object's arguments as no arguments ("{}", the call's input lost), the
 * openai SDK's stream helpers throw "missing choices[0].tool_calls[0].type", and a tool loop
 * cannot answer a call without an id (its result's `tool_call_id`). These fill what is missing
 * and turn an object into its JSON text; a call in OpenAI's shape is left exactly as it is.
 */

/** A new tool call id in OpenAI's form (`call_` and 24 letters and digits). */
export const newToolCallId = (): string => `call_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;

/** A call's `function.arguments` given as an object (or array) becomes its JSON text, in place. */
export function argumentsAsText(fn: any): boolean {
  if (!fn || typeof fn !== 'object' || fn.arguments === null || typeof fn.arguments !== 'object') return false;
  fn.arguments = JSON.stringify(fn.arguments);
  return true;
}

/**
 * One call (a whole answer's, or a stream's delta that starts a call: `starts`) in OpenAI's shape,
 * in place; returns whether it changed. A delta that continues a call is only given JSON text.
 */
export function fillToolCall(call: any, starts: boolean): boolean {
  if (!call || typeof call !== 'object') return false;
  let changed = argumentsAsText(call.function);
  if (!starts) return changed;
  if (typeof call.id !== 'string' || call.id === '') (call.id = newToolCallId()), (changed = true);
  if (call.type == null) (call.type = 'function'), (changed = true);
  return changed;
}

/** Every tool call of a whole chat answer in OpenAI's shape (fillToolCall), in place. Returns whether one changed. */
export function fillToolCallShapes(completion: any): boolean {
  let changed = false;
  for (const choice of completion.choices) {
    const calls = choice?.message?.tool_calls;
    if (Array.isArray(calls)) for (const call of calls) if (fillToolCall(call, true)) changed = true;
  }
  return changed;
}
