import { newId } from './response-ids';
import type { ResponsesInputItem } from './responses-types';

/** An input item as GET /v1/responses/{id}/input_items lists it (OpenAI's `ItemResource`). */
export type InputItemResource = Record<string, unknown> & { id: string; type: string };

const imageWithoutDetail = (p: any): boolean => p?.type === 'input_image' && p.detail == null;

/**
 * Input parts as OpenAI lists them: an image always with its `detail`, `auto` when the request
 * left it out (OpenAI's answer, and its ItemResource schema requires the field). Copied only then.
 */
function listedParts(parts: unknown[]): unknown[] {
  if (!parts.some(imageWithoutDetail)) return parts;
  return parts.map((p: any) => (imageWithoutDetail(p) ? { ...p, detail: 'auto' } : p));
}

function inputContent(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  return Array.isArray(content) ? listedParts(content) : [];
}

/** Assistant turns sent back as input are listed as output messages, as OpenAI lists them. */
function outputContent(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'output_text', text: content, annotations: [], logprobs: [] }];
  if (!Array.isArray(content)) return [];
  return content.map((p: any) =>
    p?.type === 'output_text' || p?.type === 'input_text'
      ? { type: 'output_text', text: String(p.text ?? ''), annotations: p.annotations ?? [], logprobs: p.logprobs ?? [] }
      : p,
  );
}

function itemResource(item: ResponsesInputItem, seen: Set<string>): InputItemResource {
  const type = item?.type ?? (item?.role ? 'message' : 'message');
  // A repeated id gets a new one: pages are read `after` an id, and a client that follows them
  // (the SDKs' auto-pagination) would be sent the same page again and again.
  const id = typeof item.id === 'string' && item.id && !seen.has(item.id) ? item.id : null;
  if (id) seen.add(id);
  switch (type) {
    case 'message':
      if (item.role === 'assistant') {
        return { id: id ?? newId('msg'), type: 'message', role: 'assistant', status: 'completed', content: outputContent(item.content) };
      }
      return { id: id ?? newId('msg'), type: 'message', role: item.role ?? 'user', status: 'completed', content: inputContent(item.content) };
    case 'function_call':
      return { ...item, id: id ?? newId('fc'), type, status: (item.status as string) ?? 'completed' };
    case 'custom_tool_call':
      return { ...item, id: id ?? `ctc_${newId('fc').slice(3)}`, type };
    case 'function_call_output':
      return {
        ...item, id: id ?? `fco_${newId('fc').slice(3)}`, type, status: (item.status as string) ?? 'completed',
        ...(Array.isArray(item.output) ? { output: listedParts(item.output) } : {}),
      };
    case 'reasoning':
      // A reasoning item sent back without its id (OpenAI's ReasoningItem ids are `rs_…`).
      return { ...item, id: id ?? newId('rs'), type };
    default:
      return { ...item, id: id ?? newId('msg'), type };
  }
}

/**
 * A Responses request's `input` as the item resources OpenAI lists for it: each with an id
 * (the client's, else, or when an earlier item has it, a new one) and a status; a plain string is one user message.
 * `instructions` are not items.
 */
export function inputItemsOf(input: string | ResponsesInputItem[] | undefined | null): InputItemResource[] {
  if (input === undefined || input === null) return [];
  const seen = new Set<string>();
  if (typeof input === 'string') return [itemResource({ role: 'user', content: input }, seen)];
  return Array.isArray(input) ? input.map((item) => itemResource(item, seen)) : [];
}
