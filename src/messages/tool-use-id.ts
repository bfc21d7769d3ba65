/**
 * Anthropic tool_use ids must match `^[a-zA-Z0-9_-]+$`; chat upstreams' tool call ids need not
 * (Kimi's are `get_weather:0`). Such an id is carried inside a valid one, base64url, and restored
 * when the client sends it back in a tool_result, so the gateway needs no state for it.
 */
const MARK = 'toolu_gg_';
const VALID = /^[A-Za-z0-9_-]+$/;

/** A chat tool call id -> an id Anthropic clients accept (a fresh one when the upstream gave none). */
export function toToolUseId(callId: unknown): string {
  if (typeof callId !== 'string' || callId === '') return `toolu_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
  if (VALID.test(callId) && !callId.startsWith(MARK)) return callId;
  return MARK + Buffer.from(callId, 'utf8').toString('base64url');
}

/** The chat tool call id a tool_use id stands for. */
export function fromToolUseId(id: string): string {
  if (!id.startsWith(MARK)) return id;
  const encoded = id.slice(MARK.length);
  return VALID.test(encoded) ? Buffer.from(encoded, 'base64url').toString('utf8') : id;
}
