import { badRequest } from '../../errors/api-error';
import { shownValue } from '../../errors/shown-value';
import { clientPartOf } from '../shared/client-part';

/** A chat request's messages in Responses terms: the leading system/developer text, and the input items. */
export interface ResponsesInput {
  instructions?: string;
  input: Record<string, unknown>[];
}

/** The text of a chat message's content: a string, or its text (and refusal) parts joined. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: any) => (typeof p?.text === 'string' ? p.text : typeof p?.refusal === 'string' ? p.refusal : '')).join('');
}

/** One chat content part -> the Responses input part (`input_text`, `input_image`, `input_file`). */
function inputPart(part: any, where: string): Record<string, unknown> {
  if (part?.type === 'text') return { type: 'input_text', text: part.text };
  if (part?.type === 'image_url') {
    const img = part.image_url;
    return { type: 'input_image', image_url: typeof img === 'string' ? img : img?.url, detail: img?.detail ?? 'auto' };
  }
  if (part?.type === 'file') {
    const { file_data, file_id, filename } = part.file ?? {};
    return { type: 'input_file', ...(file_data != null && { file_data }), ...(file_id != null && { file_id }), ...(filename != null && { filename }) };
  }
  // A bridged request's part is named where the client sent it (client-part.ts), as content-parts.ts names it.
  const origin = clientPartOf(part);
  const at = origin?.path ?? where;
  throw badRequest(
    `Content of type '${shownValue(origin?.type ?? part?.type)}' (${at}) is not supported by provider 'openai' for this model: it is served on OpenAI's Responses API, which reads text, images and files.`,
    origin ? at : `${at}.type`,
    'unsupported_parameter',
  );
}

/** A user message's (or a tool result's) content as Responses takes it: its string, or its parts. */
const inputContent = (content: unknown, where: string) =>
  Array.isArray(content) ? content.map((p, j) => inputPart(p, `${where}.content[${j}]`)) : typeof content === 'string' ? content : '';

/**
 * Chat messages -> Responses `instructions` and input items: the system and developer messages the
 * conversation opens with become the instructions; user and assistant turns messages; an
 * assistant's tool calls `function_call` (or `custom_tool_call`) items and the tool results their
 * `*_output` items, paired by call id. Pure.
 */
export function chatMessagesToInput(messages: unknown): ResponsesInput {
  if (!Array.isArray(messages)) return { input: [] };
  const system: string[] = [];
  const input: Record<string, unknown>[] = [];
  const customCalls = new Set<string>();
  messages.forEach((m: any, i: number) => {
    const role = m?.role;
    if ((role === 'system' || role === 'developer') && input.length === 0) {
      system.push(textOf(m.content));
    } else if (role === 'system' || role === 'developer') {
      input.push({ type: 'message', role, content: textOf(m.content) });
    } else if (role === 'user') {
      input.push({ type: 'message', role: 'user', content: inputContent(m.content, `messages[${i}]`) });
    } else if (role === 'assistant') {
      const text = textOf(m.content);
      if (text) input.push({ type: 'message', role: 'assistant', content: text });
      for (const call of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
        if (call?.type === 'custom') {
          customCalls.add(call.id);
          input.push({ type: 'custom_tool_call', call_id: call.id, name: call.custom?.name, input: call.custom?.input ?? '' });
        } else {
          input.push({ type: 'function_call', call_id: call?.id, name: call?.function?.name, arguments: call?.function?.arguments || '{}' });
        }
      }
    } else if (role === 'tool') {
      const custom = customCalls.has(m.tool_call_id);
      const output = typeof m.content === 'string' ? m.content : inputContent(m.content, `messages[${i}]`);
      input.push({ type: custom ? 'custom_tool_call_output' : 'function_call_output', call_id: m.tool_call_id, output });
    } else {
      throw badRequest(`Messages with role '${shownValue(role)}' are not supported by provider 'openai' for this model: it is served on OpenAI's Responses API.`, `messages[${i}].role`, 'unsupported_value');
    }
  });
  return system.length ? { instructions: system.join('\n\n'), input } : { input };
}
