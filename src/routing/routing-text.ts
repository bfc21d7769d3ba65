import type { RoutingText } from './types';

const isToolResult = (part: unknown) => !!part && typeof part === 'object' && (part as { type?: unknown }).type === 'tool_result';

/**
 * Text of one message `content`: a string, or an array of parts whose text parts count. With
 * `toolResults`, the content of Anthropic `tool_result` blocks counts too (it is prompt, as a chat
 * `tool` message is); without, only what the author of the message wrote.
 */
function contentText(content: unknown, toolResults: boolean): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  const add = (s: string) => (out += (out ? '\n' : '') + s);
  for (const part of content) {
    if (part && typeof part === 'object') {
      const text = (part as { text?: unknown }).text;
      if (typeof text === 'string') add(text);
      else if (toolResults && isToolResult(part)) {
        const inner = contentText((part as { content?: unknown }).content, false);
        if (inner) add(inner);
      }
    } else if (typeof part === 'string') {
      add(part);
    }
  }
  return out;
}

/**
 * An Anthropic user turn that carries only tool results: the agent loop going on, as a chat
 * `tool` message does, not a new task (the task stays the user's last own words).
 */
function onlyToolResults(content: unknown): boolean {
  return Array.isArray(content) && content.length > 0 && content.every(isToolResult);
}

function hasAny(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/**
 * Builds the text view routing reads from a Chat Completions body (`messages`), a Responses
 * body (`input`, `instructions`) or an Anthropic Messages body (`messages`, `system`), so one
 * prompt routes alike whichever endpoint it came through. Reads loosely: anything malformed just
 * contributes no text, because validation is the API layer's job and routing must never throw on a body.
 */
export function routingTextOf(body: unknown): RoutingText {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  let lastUser = '';
  let totalChars = 0;
  let messageCount = 0;
  const items: unknown[] = Array.isArray(b.messages)
    ? b.messages
    : Array.isArray(b.input)
      ? b.input
      : typeof b.input === 'string'
        ? [{ role: 'user', content: b.input }]
        : [];
  if (typeof b.instructions === 'string') totalChars += b.instructions.length;
  totalChars += contentText(b.system, false).length;
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    messageCount++;
    const m = item as { role?: unknown; content?: unknown; output?: unknown };
    totalChars += contentText(m.content, true).length;
    // A Responses `function_call_output` item: tool output is prompt, as a chat `tool` message is.
    if (typeof m.output === 'string') totalChars += m.output.length;
    if (m.role === 'user' && !onlyToolResults(m.content)) lastUser = contentText(m.content, false);
  }
  const hasTools = hasAny(b.tools) || hasAny(b.functions);
  return { lastUser, totalChars, hasTools, messageCount };
}
