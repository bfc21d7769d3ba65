import type { ChatCompletionFunctionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import type { MessagesRequest } from './anthropic-types';
import { chatToolName } from './tool-name-limit';
import { shownValue } from '../errors/shown-value';
import { fitsStrictSubset } from './strict-subset';

/**
 * Anthropic's tool search (`tool_search_tool_regex_…`, `tool_search_tool_bm25_…`; Claude Code sends
 * it with ENABLE_TOOL_SEARCH): it finds the `defer_loading` tools a turn needs inside Anthropic's API.
 * Another provider gets every tool whole, deferred ones too, so there is nothing left to search:
 * the tool is left out, as are its earlier calls and results in the conversation (a turn served by
 * Anthropic before). Refused like other server tools, every request of such a session was a 400.
 */
export const isToolSearchTool = (type: unknown): boolean => typeof type === 'string' && type.startsWith('tool_search_tool_');

/**
 * Anthropic tools -> chat function tools. Client tools (no `type`, or `custom`) map one to one,
 * `defer_loading` ones too; tool search is left out (isToolSearchTool). Anthropic's other server
 * and versioned tools (web_search_20250305, bash_20250124, computer_…, …) run inside Anthropic's
 * API, so another provider cannot honour them: 400 naming the tool.
 */
export function mapTools(tools: unknown, provider: string): ChatCompletionFunctionTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badRequest('tools: must be a list', 'tools');
  return tools.flatMap((t: any, i): ChatCompletionFunctionTool[] => {
    const path = `tools.${i}`;
    if (!t || typeof t !== 'object') throw badRequest(`${path}: must be an object`, path);
    if (isToolSearchTool(t.type)) return [];
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      throw badRequest(
        `Anthropic's server tool '${shownValue(t.type)}' ('${path}.type') is not supported by provider '${provider}'; only client tools with an input_schema are.`,
        `${path}.type`,
        'unsupported_parameter',
      );
    }
    if (typeof t.name !== 'string' || !t.name) throw badRequest(`${path}.name: Field required`, `${path}.name`);
    const schema = inputSchema(t.input_schema);
    const fn: ChatCompletionFunctionTool['function'] = { name: chatToolName(t.name), parameters: schema };
    if (typeof t.description === 'string') fn.description = t.description;
    // Claude's strict tools take optional parameters, which a chat upstream's strict mode refuses (strict-subset.ts).
    if (t.strict === true && fitsStrictSubset(schema)) fn.strict = true;
    return [{ type: 'function', function: fn }];
  });
}

/**
 * The tool's JSON Schema as chat upstreams take it. Claude Code's schemas name their dialect
 * (`$schema`: draft-07), which says nothing to the model and which some function-calling APIs
 * refuse as an unknown keyword, so it is left out.
 */
function inputSchema(schema: unknown): Record<string, unknown> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return { type: 'object', properties: {} };
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  return rest;
}

/** tool_choice: auto -> auto, any -> required, tool -> that function, none -> none. */
export function mapToolChoice(choice: MessagesRequest['tool_choice']): {
  toolChoice?: ChatCompletionToolChoiceOption;
  parallel?: false;
} {
  if (choice === undefined || choice === null) return {};
  if (typeof choice !== 'object') throw badRequest('tool_choice: must be an object', 'tool_choice');
  const parallel = choice.disable_parallel_tool_use === true ? (false as const) : undefined;
  switch (choice.type) {
    case 'auto':
      return { toolChoice: 'auto', parallel };
    case 'any':
      return { toolChoice: 'required', parallel };
    case 'none':
      return { toolChoice: 'none' };
    case 'tool':
      if (typeof choice.name !== 'string' || !choice.name) throw badRequest('tool_choice.name: Field required', 'tool_choice.name');
      return { toolChoice: { type: 'function', function: { name: chatToolName(choice.name) } }, parallel };
    default:
      throw badRequest(`tool_choice.type: '${shownValue(choice.type)}' is not one of auto, any, tool, none`, 'tool_choice.type');
  }
}
