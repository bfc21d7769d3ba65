import type { ChatCompletionCustomTool, ChatCompletionFunctionTool, ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import type { ResponsesTool } from './responses-types';
import { shownValue } from '../errors/shown-value';

/**
 * Flat Responses function and custom tools -> chat tools (a custom one goes on as chat's custom
 * tool: the chat pipeline gives it as a function to an upstream without them, providers/shared/custom-tools.ts).
 * Built-in tools (web_search, file_search, code_interpreter, computer_use, image_generation, mcp,
 * shell, …) run inside OpenAI's own platform; a chat upstream cannot run them, so they are refused
 * by name instead of dropped, but for a web search of OpenAI's cache only (isCachedWebSearch), left
 * out. `index`: the client's index of each chat tool (for the 400s that name a field of one).
 */
export function mapTools(tools: ResponsesTool[] | undefined, provider: string): { tools: ChatCompletionTool[]; index: number[] } | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badRequest("'tools' must be an array.", 'tools');
  const index = tools.flatMap((tool, i) => (isCachedWebSearch(tool) ? [] : [i]));
  return { tools: index.map((i) => mapTool(tools[i], i, provider)), index };
}

/**
 * A web search of OpenAI's cache only (`external_web_access: false`: no live page fetched), which
 * Codex CLI gives on every turn by default. A bridged model cannot search OpenAI's cache, and
 * without the tool it answers as it would with a search that found nothing new: the tool is left
 * out rather than the whole turn refused. A live web search is still refused by name.
 */
export const isCachedWebSearch = (tool: unknown): boolean =>
  (tool as ResponsesTool | null)?.type === 'web_search' && (tool as { external_web_access?: unknown }).external_web_access === false;

/** One tool (`tools[i]`) in chat's form; a built-in one refused. */
function mapTool(tool: ResponsesTool | undefined, i: number, provider: string): ChatCompletionTool {
  if (tool?.type === 'custom') return customTool(tool, i);
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
}

/** The built-in tool refused, by its type. */
const refusedTool = (tool: ResponsesTool | undefined): string => `The built-in tool '${shownValue(tool?.type)}'`;

/** A Responses custom tool (`{type, name, description, format}`, a grammar's syntax and definition flat) in chat's form. */
function customTool(tool: ResponsesTool, i: number): ChatCompletionCustomTool {
  if (typeof tool.name !== 'string' || !tool.name) throw badRequest(`'tools[${i}].name' is required.`, `tools[${i}].name`);
  if (tool.description != null && typeof tool.description !== 'string') {
    throw badRequest(`'tools[${i}].description' must be a string.`, `tools[${i}].description`);
  }
  const custom: ChatCompletionCustomTool['custom'] = { name: tool.name };
  if (tool.description) custom.description = tool.description;
  const format = tool.format as Record<string, unknown> | undefined | null;
  if (format != null) {
    if (!isJsonObject(format) || (format.type !== 'text' && format.type !== 'grammar')) {
      throw badRequest(`Invalid value for 'tools[${i}].format.type': must be 'text' or 'grammar'.`, `tools[${i}].format.type`);
    }
    if (format.type === 'grammar' && ((format.syntax !== 'lark' && format.syntax !== 'regex') || typeof format.definition !== 'string')) {
      throw badRequest("A grammar format needs 'syntax' ('lark' or 'regex') and 'definition' (a string).", `tools[${i}].format`);
    }
    custom.format = format.type === 'text'
      ? { type: 'text' }
      : { type: 'grammar', grammar: { syntax: format.syntax as 'lark' | 'regex', definition: format.definition as string } };
  }
  return { type: 'custom', custom };
}

/** A chat tool's name, a function's or a custom tool's. */
export const chatToolName = (t: ChatCompletionTool): string => (t.type === 'custom' ? t.custom.name : t.function.name);

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
  if (c?.type === 'custom' && typeof c.name === 'string') {
    return { toolChoice: { type: 'custom', custom: { name: c.name } } };
  }
  if (c?.type === 'allowed_tools' && Array.isArray(c.tools)) {
    // Chat upstreams other than OpenAI lack `allowed_tools`: send only the allowed tools instead.
    const allowed = new Set(c.tools.filter((t) => (t?.type === 'function' || t?.type === 'custom') && t.name).map((t) => t.name!));
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
