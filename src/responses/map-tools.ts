import type { ChatCompletionFunctionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import type { ResponsesTool } from './responses-types';
import { shownValue } from '../errors/shown-value';

/**
 * Flat Responses function tools -> chat tools. Built-in tools (web_search, file_search,
 * code_interpreter, computer_use, image_generation, mcp, shell, …) run inside OpenAI's own
 * platform; a chat upstream cannot run them, so they are refused by name instead of dropped.
 */
export function mapTools(tools: ResponsesTool[] | undefined, provider: string): ChatCompletionFunctionTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badRequest("'tools' must be an array.", 'tools');
  return tools.map((tool, i) => {
    if (tool?.type !== 'function') {
      throw badRequest(`${refusedTool(tool)} is not supported by provider '${provider}'; only function tools can be used with this model.`, `tools[${i}]`, 'unsupported_tool');
    }
    if (typeof tool.name !== 'string' || !tool.name) throw badRequest(`'tools[${i}].name' is required.`, `tools[${i}].name`);
    // OpenAI's types, checked here so the 400 names the client's field (`tools[i].parameters`), not
    // the chat form's, or is not left to each upstream to refuse in its words (or ignore).
    if (tool.description != null && typeof tool.description !== 'string') {
      throw badRequest(`'tools[${i}].description' must be a string.`, `tools[${i}].description`);
    }
    if (tool.parameters != null && !isJsonObject(tool.parameters)) {
      throw badRequest(`'tools[${i}].parameters' must be a JSON Schema object.`, `tools[${i}].parameters`);
    }
    const fn: ChatCompletionFunctionTool['function'] = { name: tool.name };
    if (tool.description) fn.description = tool.description;
    if (tool.parameters) fn.parameters = tool.parameters;
    // Only forwarded when the client set it: several chat upstreams reject `strict`.
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    return { type: 'function', function: fn } as ChatCompletionFunctionTool;
  });
}

/**
 * The tool refused, as its client knows it: a custom (freeform) tool by its name, as Codex CLI's
 * `apply_patch` is given to GPT-5 models (it is the client's own tool, not a built-in one, and an
 * agent's user has to know which of its tools the model cannot take); a built-in tool by its type.
 */
function refusedTool(tool: ResponsesTool | undefined): string {
  const name: unknown = tool?.name;
  if (tool?.type === 'custom') return `The custom tool${typeof name === 'string' && name ? ` '${shownValue(name)}'` : ''} (a freeform tool, type 'custom')`;
  return `The built-in tool '${shownValue(tool?.type)}'`;
}

/** A JSON object (a schema): not null, not an array. */
export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Responses `tool_choice` -> chat `tool_choice`, and the subset of tools `allowed_tools` keeps. */
export function mapToolChoice(
  choice: unknown,
  provider: string,
): { toolChoice?: ChatCompletionToolChoiceOption; allowed?: Set<string> } {
  if (choice === undefined || choice === null) return {};
  if (choice === 'none' || choice === 'auto' || choice === 'required') return { toolChoice: choice };
  const c = choice as { type?: string; name?: string; mode?: string; tools?: { type?: string; name?: string }[] };
  if (c?.type === 'function' && typeof c.name === 'string') {
    return { toolChoice: { type: 'function', function: { name: c.name } } };
  }
  if (c?.type === 'allowed_tools' && Array.isArray(c.tools)) {
    // Chat upstreams other than OpenAI lack `allowed_tools`: send only the allowed tools instead.
    const allowed = new Set(c.tools.filter((t) => t?.type === 'function' && t.name).map((t) => t.name!));
    return { toolChoice: c.mode === 'required' ? 'required' : 'auto', allowed };
  }
  // Named only by a string it holds: String() of an arbitrary value can throw (`[{ toString: null }]`).
  const named = typeof c?.type === 'string' ? c.type : typeof choice === 'string' ? choice : Array.isArray(choice) ? 'array' : typeof choice;
  throw badRequest(
    `tool_choice '${shownValue(named)}' is not supported by provider '${provider}'.`,
    'tool_choice',
    'unsupported_tool_choice',
  );
}
