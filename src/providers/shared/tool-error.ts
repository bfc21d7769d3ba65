/**
 * A tool result the client marked as failed (Anthropic's `tool_result.is_error`). Chat's tool
 * message has no such flag, so the translation says it in the content (`Error: …`, which every
 * chat model reads), and marks the message with this symbol carrying the result's own text for
 * adapters with a field of their own: Gemini puts it under `error` in functionResponse.response,
 * as its docs ask for a failed call. A symbol never reaches an upstream's JSON body.
 */
export const TOOL_ERROR: unique symbol = Symbol('gophergate.toolError');

export type ToolErrorMarked = { [TOOL_ERROR]?: string };

/** The tool message content a chat model sees for a failed call: the text prefixed, unless it already says so. */
export function errorToolContent(text: string): string {
  if (text.trim() === '') return 'Error: the tool call failed.';
  return /^\s*(error\b|<tool_use_error>)/i.test(text) ? text : `Error: ${text}`;
}

/** The failed result's own text, when the message carries the mark. */
export const toolErrorOf = (m: unknown): string | undefined =>
  m && typeof m === 'object' ? (m as ToolErrorMarked)[TOOL_ERROR] : undefined;
