/**
 * Text an answer's model wrote between or after its tool calls. Chat's message has one `content`
 * string and a `tool_calls` list, so it cannot say that Gemini's parts came as text, functionCall,
 * text: the text is joined (as a stream's content deltas join) and the order is lost. A bridge
 * whose answer has an order of its own (Anthropic's content blocks, Responses output items, which
 * a translated stream keeps) reads it from this mark, set only on a message with text after a
 * call. Not enumerable, as CLIENT_PART: a symbol never reaches a JSON body.
 */
const TEXT_RUNS: unique symbol = Symbol('gophergate.textRuns');

/** One stretch of text and how many of the message's tool calls came before it. */
export interface TextRun {
  text: string;
  callsBefore: number;
}

/** The message, marked with its text in the order the model wrote it among its calls. */
export function markTextRuns<T extends object>(message: T, runs: TextRun[]): T {
  Object.defineProperty(message, TEXT_RUNS, { value: runs, enumerable: false });
  return message;
}

/** The message's text runs, when its adapter marked them (text came after a tool call). */
export const textRunsOf = (message: unknown): readonly TextRun[] | undefined =>
  message && typeof message === 'object' ? (message as { [TEXT_RUNS]?: TextRun[] })[TEXT_RUNS] : undefined;
