import { badRequest } from '../../errors/api-error';
import { shownValue } from '../../errors/shown-value';
import type { ChatRequest } from '../types';

/**
 * OpenAI's custom (freeform) tools, `{type: "custom", custom: {name, description, format}}`, for an
 * upstream that lacks them (every one but OpenAI): each goes as a function taking one required
 * string, `input`, its grammar (if any) told in the description, as LiteLLM bridges them. Codex
 * CLI's `apply_patch` is such a tool. The answer's calls of those functions become the custom
 * calls the client asked for again (custom-tool-calls.ts, custom-tool-stream.ts).
 */

/** The request's custom tools by name, or null when it has none (one look at each tool). */
function customToolNames(tools: unknown): Set<string> | null {
  if (!Array.isArray(tools)) return null;
  let names: Set<string> | null = null;
  for (const t of tools) {
    if (t?.type !== 'custom') continue;
    const name = t.custom?.name;
    (names ??= new Set()).add(typeof name === 'string' ? name : '');
  }
  return names;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The function's description: the tool's, then its grammar (a model cannot be held to one, so it is told it). */
function describe(custom: Record<string, any>, path: string): string | undefined {
  const described = typeof custom.description === 'string' && custom.description ? custom.description : undefined;
  const format = custom.format;
  if (format === undefined || format === null) return described;
  if (!isObject(format) || (format.type !== 'text' && format.type !== 'grammar')) {
    throw badRequest(`Invalid value for '${path}.format.type': must be 'text' or 'grammar'.`, `${path}.format.type`);
  }
  if (format.type === 'text') return described;
  // OpenAI's chat form nests the grammar (`format.grammar.{syntax, definition}`), its Responses form does not.
  const grammar = isObject(format.grammar) ? format.grammar : format;
  if ((grammar.syntax !== 'lark' && grammar.syntax !== 'regex') || typeof grammar.definition !== 'string') {
    throw badRequest(`A grammar format needs 'syntax' ('lark' or 'regex') and 'definition' (a string).`, `${path}.format`);
  }
  const rule = `The input must match this ${grammar.syntax} grammar:\n${grammar.definition}`;
  return described ? `${described}\n\n${rule}` : rule;
}

/** A custom tool as a function of one string parameter, `input`. */
function asFunction(tool: Record<string, any>, i: number): Record<string, unknown> {
  const path = `tools[${i}].custom`;
  const custom = tool.custom;
  if (!isObject(custom) || typeof custom.name !== 'string' || !custom.name) throw badRequest(`'${path}.name' is required.`, `${path}.name`);
  const description = describe(custom, path);
  const input = { type: 'string', description: 'The input for the tool, as raw text.' };
  const parameters = { type: 'object', properties: { input }, required: ['input'] };
  return { type: 'function', function: { name: custom.name, ...(description ? { description } : {}), parameters } };
}

/** A named custom tool (`{type: "custom", custom: {name}}`) as the named function. */
const asFunctionChoice = (c: any): unknown => (c?.type === 'custom' ? { type: 'function', function: { name: c.custom?.name } } : c);

function asFunctionToolChoice(choice: any): unknown {
  if (choice?.type === 'custom') return asFunctionChoice(choice);
  if (choice?.type !== 'allowed_tools' || !Array.isArray(choice.allowed_tools?.tools)) return choice;
  return { ...choice, allowed_tools: { ...choice.allowed_tools, tools: choice.allowed_tools.tools.map(asFunctionChoice) } };
}

/** An assistant turn's custom calls as calls of their functions (`{"input": ...}`); the message as it was when it made none. */
function asFunctionCalls(m: any): any {
  if (m?.role !== 'assistant' || !Array.isArray(m.tool_calls) || !m.tool_calls.some((c: any) => c?.type === 'custom')) return m;
  const tool_calls = m.tool_calls.map((c: any) => {
    if (c?.type !== 'custom') return c;
    const input = typeof c.custom?.input === 'string' ? c.custom.input : '';
    return { id: c.id, type: 'function', function: { name: c.custom?.name, arguments: JSON.stringify({ input }) } };
  });
  return { ...m, tool_calls };
}

/** Whether an assistant turn of `messages` made a custom call (a conversation that gives no tools any more may still hold them). */
const madeCustomCalls = (messages: unknown): boolean =>
  Array.isArray(messages) && messages.some((m) => m?.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.some((c: any) => c?.type === 'custom'));

/**
 * `req` for an upstream without custom tools: its custom tools as functions, a choice naming one
 * (or allowing it) naming its function, and earlier custom calls as calls of the functions; with
 * the names of the custom tools, whose calls the answer gives back as custom calls. Null when
 * the request has no custom tool nor call (it goes as it is). A function of the same name as a
 * custom tool would make the answer's calls ambiguous: a 400.
 */
export function customToolsAsFunctions(req: ChatRequest): { req: ChatRequest; names: ReadonlySet<string> } | null {
  const names = customToolNames(req.tools);
  if (!names && !madeCustomCalls(req.messages)) return null;
  const out = { ...req, messages: Array.isArray(req.messages) ? req.messages.map(asFunctionCalls) : req.messages } as ChatRequest;
  if (!names) return { req: out, names: new Set() };
  out.tools = (req.tools as unknown[]).map((t: any, i) => {
    if (t?.type === 'custom') return asFunction(t, i);
    if (t?.type === 'function' && names.has(t.function?.name)) {
      throw badRequest(`The function '${shownValue(t.function.name)}' has the name of a custom tool of the request; give each tool its own name.`, `tools[${i}].function.name`);
    }
    return t;
  }) as ChatRequest['tools'];
  if (req.tool_choice !== undefined) out.tool_choice = asFunctionToolChoice(req.tool_choice) as ChatRequest['tool_choice'];
  return { req: out, names };
}
