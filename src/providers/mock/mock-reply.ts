/**
 * What the mock provider answers to a chat body: an echo of the latest user (or tool) message,
 * unless the request asks for a shape the SDKs then parse. Tools offered on a user turn (and not
 * turned off with `tool_choice: "none"`) are called, the forced one or else the first, with
 * arguments that fit its parameters, so a tool loop runs its round trip; `response_format`
 * `json_schema` gets a JSON value of the schema, `json_object` `{"echo": …}`.
 */
import { schemaExample } from './schema-example';

export interface MockToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface MockReply {
  content: string | null;
  toolCalls: MockToolCall[];
  finishReason: 'stop' | 'tool_calls';
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: any) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

function toolToCall(body: any, lastRole: unknown): any | null {
  const tools: any[] = Array.isArray(body.tools) ? body.tools.filter((t: any) => t?.type === 'function' && t.function?.name) : [];
  const choice = body.tool_choice;
  if (!tools.length || choice === 'none') return null;
  const forced = typeof choice === 'object' && choice?.function?.name;
  if (forced) return tools.find((t) => t.function.name === forced) ?? null;
  // `auto` calls a tool on the user's turn only: after the tool result the loop gets its answer.
  return choice === 'required' || lastRole === 'user' ? tools[0] : null;
}

export function mockReply(body: any): MockReply {
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user' || m?.role === 'tool');
  const text = textOf(last?.content);
  const tool = toolToCall(body, last?.role);
  if (tool) {
    const args = JSON.stringify(schemaExample(tool.function.parameters ?? { type: 'object' }, text));
    return { content: null, toolCalls: [{ id: `call_mock_${crypto.randomUUID().slice(0, 8)}`, name: tool.function.name, arguments: args }], finishReason: 'tool_calls' };
  }
  const format = body.response_format;
  let content = `echo: ${text}`;
  if (format?.type === 'json_schema') content = JSON.stringify(schemaExample(format.json_schema?.schema ?? {}, text));
  else if (format?.type === 'json_object') content = JSON.stringify({ echo: text });
  return { content, toolCalls: [], finishReason: 'stop' };
}
