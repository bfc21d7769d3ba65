import type { RoutingText } from './types';

/** Text of one message `content`: a string, or an array of parts whose text parts count. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part && typeof part === 'object') {
      const text = (part as { text?: unknown }).text;
      if (typeof text === 'string') out += (out ? '\n' : '') + text;
    } else if (typeof part === 'string') {
      out += (out ? '\n' : '') + part;
    }
  }
  return out;
}

function hasAny(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/**
 * Builds the text view routing reads from a Chat Completions body (`messages`) or a Responses
 * body (`input`, `instructions`). Reads loosely: anything malformed just contributes no text,
 * because validation is the API layer's job and routing must never throw on a body.
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
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    messageCount++;
    const m = item as { role?: unknown; content?: unknown };
    const text = contentText(m.content);
    totalChars += text.length;
    if (m.role === 'user') lastUser = text;
  }
  const hasTools = hasAny(b.tools) || hasAny(b.functions);
  return { lastUser, totalChars, hasTools, messageCount };
}
