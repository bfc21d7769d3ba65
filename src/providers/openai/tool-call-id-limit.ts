import { createHash } from 'node:crypto';
import type { UpstreamBody } from '../types';

/**
 * OpenAI refuses a tool call id past 40 characters ("Invalid 'messages[2].tool_calls[0].id':
 * string too long. Expected a string with maximum length 40", code string_above_max_length).
 * Other providers' ids in a conversation that moves to OpenAI can be longer: DeepSeek's are 43,
 * and Gemini's carry their thought signature (gemini/tool-call-id.ts), hundreds of characters.
 */
export const OPENAI_TOOL_CALL_ID_MAX = 40;

/** A long id -> `call_` and 32 hex of its SHA-256: the same id always gets the same short one, so calls and results still pair. */
export function shortId(id: string): string {
  return `call_${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

const tooLong = (id: unknown): id is string => typeof id === 'string' && id.length > OPENAI_TOOL_CALL_ID_MAX;

/**
 * The body with every over-long tool call id (assistant `tool_calls[].id`, tool `tool_call_id`)
 * shortened; messages with none are kept as they are (the client's own objects are not changed).
 */
export function shortenToolCallIds(body: UpstreamBody): UpstreamBody {
  if (!Array.isArray(body.messages)) return body;
  const needs = (m: any) => tooLong(m?.tool_call_id) || (Array.isArray(m?.tool_calls) && m.tool_calls.some((c: any) => tooLong(c?.id)));
  if (!body.messages.some(needs)) return body;
  body.messages = body.messages.map((m: any) => {
    if (!needs(m)) return m;
    const out = { ...m };
    if (tooLong(m.tool_call_id)) out.tool_call_id = shortId(m.tool_call_id);
    if (Array.isArray(m.tool_calls)) out.tool_calls = m.tool_calls.map((c: any) => (tooLong(c?.id) ? { ...c, id: shortId(c.id) } : c));
    return out;
  });
  return body;
}
