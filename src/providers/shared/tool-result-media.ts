import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';

/**
 * An image or document that came back inside a tool result (Anthropic's `tool_result` content):
 * chat's tool message carries text only, so the translation moves it into the user message after
 * it and marks it with this symbol. An upstream that cannot read a marked part (DeepSeek reads text, xAI an image
 * but no document) gets a placeholder for it instead of refusing the request (content-parts.ts): an agent's screenshot tool would otherwise fail this turn
 * and every later one, as the result stays in the conversation. A symbol never reaches a JSON body.
 */
export const TOOL_RESULT_MEDIA: unique symbol = Symbol('gophergate.toolResultMedia');

type Marked = { [TOOL_RESULT_MEDIA]?: true };

/** The part, marked as coming from a tool result (not enumerable: the part reads as any other image part). */
export function markToolResultMedia(part: ChatCompletionContentPart): ChatCompletionContentPart {
  Object.defineProperty(part, TOOL_RESULT_MEDIA, { value: true, enumerable: false });
  return part;
}

export const isToolResultMedia = (part: unknown): boolean => !!part && typeof part === 'object' && (part as Marked)[TOOL_RESULT_MEDIA] === true;
