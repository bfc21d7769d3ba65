import { badRequest } from '../../errors/api-error';
import { cacheControlOf } from './anthropic-content';
import type { AnthropicRequest, AnthropicTool, AnthropicToolChoice } from './anthropic-wire';
import { shownValue } from '../../errors/shown-value';
import { narrowAllowedTools } from '../shared/allowed-tools';

/**
 * OpenAI tools, tool_choice and parallel_tool_calls -> Anthropic's. `required` is Anthropic's
 * `any`; a named function is `{type:"tool", name}`; parallel_tool_calls:false becomes
 * disable_parallel_tool_use on the choice (Anthropic keeps that flag there); `allowed_tools`, which
 * Anthropic lacks, goes as the tools it allows and its mode.
 */
export function convertTools(tools: unknown, choice: unknown, parallel: unknown): Pick<AnthropicRequest, 'tools' | 'tool_choice'> {
  const narrowed = narrowAllowedTools(tools, choice);
  if (narrowed) return convertTools(narrowed.tools, narrowed.toolChoice, parallel);
  const out: Pick<AnthropicRequest, 'tools' | 'tool_choice'> = {};
  if (Array.isArray(tools) && tools.length) out.tools = tools.map(convertTool);
  let tc: AnthropicToolChoice | undefined;
  if (choice === 'auto') tc = { type: 'auto' };
  else if (choice === 'required') tc = { type: 'any' };
  else if (choice === 'none') tc = { type: 'none' };
  else if (choice && typeof choice === 'object') {
    const c = choice as any;
    if (c.type !== 'function' || typeof c.function?.name !== 'string') {
      throw badRequest(`Anthropic models take tool_choice 'auto', 'none', 'required' or a named function, not '${shownValue(c.type)}'.`, 'tool_choice');
    }
    tc = { type: 'tool', name: c.function.name };
  } else if (choice !== undefined && choice !== null) {
    throw badRequest(`Unknown tool_choice '${shownValue(choice)}'.`, 'tool_choice');
  }
  if (parallel === false && out.tools) {
    tc ??= { type: 'auto' };
    if (tc.type !== 'none') tc.disable_parallel_tool_use = true;
  }
  // A choice without tools means nothing to Anthropic (and `none` is its default then).
  if (tc && out.tools) out.tool_choice = tc;
  return out;
}

function convertTool(t: any, i: number): AnthropicTool {
  const path = `tools[${i}]`;
  if (t?.type !== 'function') throw badRequest(`Anthropic models take function tools only, not '${shownValue(t?.type)}'.`, `${path}.type`);
  const f = t.function;
  if (typeof f?.name !== 'string' || f.name === '') throw badRequest('A tool needs a function name.', `${path}.function.name`);
  const params = f.parameters;
  if (params !== undefined && (!params || typeof params !== 'object' || Array.isArray(params))) {
    throw badRequest('function.parameters must be a JSON Schema object.', `${path}.function.parameters`);
  }
  // input_schema must be an object schema (OpenAI tolerates one without `type`); a function
  // without parameters takes none.
  const tool: AnthropicTool = { name: f.name, input_schema: params ? { type: 'object', ...params } : { type: 'object', properties: {} } };
  if (typeof f.description === 'string' && f.description) tool.description = f.description;
  const cc = cacheControlOf(t);
  if (cc) tool.cache_control = cc;
  return tool;
}
