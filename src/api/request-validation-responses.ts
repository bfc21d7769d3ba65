import { badRequest } from '../errors/api-error';
import type { ResponsesRequest } from '../responses/responses-types';
import { PROVIDER_CATALOG } from '../providers/provider-catalog';
import { checkModelName } from '../routing/model-name';
import { bool, fileSourcesProblem, int, isObject, metadata, num, object, oneOf, reasoningEffort, shortString, string, stringArray, unsupported, type Check } from './request-validation-rules';

/**
 * Top-level fields of POST /v1/responses with a known type, checked as chat checks its own: the
 * bridge would otherwise hand a negative `max_output_tokens` or a `temperature` of 99 to a provider
 * that refuses it in its own words, or drop it silently (Infinity becomes null in JSON). Null means
 * "not set"; other fields pass through (OpenAI's own models get the body as it came).
 */
const FIELDS: [string, Check][] = Object.entries({
  max_output_tokens: int(1),
  max_tool_calls: int(1),
  temperature: num(0, 2),
  top_p: num(0, 1),
  top_logprobs: int(0, 20),
  parallel_tool_calls: bool,
  store: bool,
  background: bool,
  previous_response_id: string,
  metadata,
  user: string,
  safety_identifier: shortString(64),
  prompt_cache_key: string,
  reasoning: object,
  text: object,
  include: stringArray,
  truncation: oneOf('auto', 'disabled'),
} satisfies Record<string, Check>);

/**
 * Fields inside those objects that the bridge reads and a response echoes back (a number was
 * dropped, then echoed). Their words are OpenAI's enums (the openai SDK's `ReasoningEffort` and
 * `Reasoning.summary`): a bridged model would otherwise be sent any word, which one upstream
 * refuses in its own terms and another ignores (and the response echoes it back).
 */
const NESTED: [string, string, Check][] = [
  ['reasoning', 'effort', reasoningEffort],
  ['reasoning', 'summary', oneOf('auto', 'concise', 'detailed')],
];

/** Throws a 400 naming the first top-level field of a Responses body with a value of the wrong kind. */
function checkFields(body: Record<string, any>): void {
  for (const [field, check] of FIELDS) {
    const v = body[field];
    if (v == null) continue;
    const problem = check(v);
    if (problem) throw badRequest(`Invalid value for '${field}': ${problem}.`, field);
  }
  for (const [outer, inner, check] of NESTED) {
    const v = isObject(body[outer]) ? body[outer][inner] : undefined;
    if (v == null) continue;
    const problem = check(v);
    if (problem) throw badRequest(`Invalid value for '${outer}.${inner}': ${problem}.`, `${outer}.${inner}`);
  }
}

/**
 * `tools`, when set, is an array of objects each naming its `type`: which tools a model runs is
 * checked once routed, and without this a native provider was sent `{}` for a list (a 200 from
 * OpenAI ignoring it) and a `null` entry was refused as "the built-in tool 'undefined'".
 */
function checkTools(tools: unknown): void {
  if (tools == null) return;
  if (!Array.isArray(tools)) throw badRequest("Invalid value for 'tools': must be an array of tools.", 'tools');
  tools.forEach((tool, i) => {
    if (!isObject(tool)) throw badRequest(`Invalid value for 'tools[${i}]': must be a tool object with a 'type'.`, `tools[${i}]`);
    if (typeof tool.type !== 'string' || tool.type === '') throw badRequest(`Invalid value for 'tools[${i}].type': must be a non-empty string ('function', 'web_search', ...).`, `tools[${i}].type`);
  });
}

/**
 * The object tool_choice types of OpenAI's Responses API: the `tool_choice` union of the official
 * `openai` SDK (resources/responses: ToolChoiceFunction, ToolChoiceCustom, ToolChoiceAllowed,
 * ToolChoiceMcp, ToolChoiceTypes, ToolChoiceApplyPatch, ToolChoiceShell and the programmatic tool
 * calling choice), in that order.
 */
const OPENAI_CHOICE_TYPES = [
  'function', 'custom', 'allowed_tools', 'mcp', 'file_search', 'web_search_preview', 'web_search_preview_2025_03_11',
  'computer', 'computer_use_preview', 'computer_use', 'image_generation', 'code_interpreter', 'apply_patch', 'shell',
  'programmatic_tool_calling',
];

/**
 * The tool_choice types taken: OpenAI's, then the built-in tool types another provider's Responses
 * API runs (its catalog's `responsesTools`: xAI's `web_search`, `x_search`, ...), which a client
 * forces on that provider's models as OpenAI's are forced on OpenAI's.
 */
const CATALOG: Readonly<Record<string, { name: string; responsesTools?: readonly string[] }>> = PROVIDER_CATALOG;
const CHOICE_TYPES: readonly string[] = [
  ...new Set([...OPENAI_CHOICE_TYPES, ...Object.entries(CATALOG).flatMap(([id, p]) => (id === 'openai' ? [] : (p.responsesTools ?? [])))]),
];

/**
 * A tool_choice is refused for every target as OpenAI refuses it (in its words) when it is not
 * 'none', 'auto' or 'required' nor an object of a known type (CHOICE_TYPES; without a `type`, the
 * missing parameter), or when it forces a tool the request does not give: `required` without
 * tools, `{type: 'function'}` without a name or naming no function tool. Before, OpenAI's and xAI's
 * own models were sent it, and a group forwarded it to each target in turn. Built-in choices
 * (`{type: 'web_search'}`, `mcp`, `custom`) pass as they are, as does any name when a `namespace`
 * tool may hold functions of its own; `allowed_tools` is checked as its own (checkAllowedTools).
 */
function checkToolChoice(choice: unknown, tools: unknown): void {
  if (choice === undefined || choice === null) return;
  const list = Array.isArray(tools) ? (tools as Record<string, unknown>[]) : [];
  if (typeof choice === 'string') {
    const problem = oneOf('none', 'auto', 'required')(choice);
    if (problem) throw badRequest(`Invalid value for 'tool_choice': ${problem}.`, 'tool_choice');
    if (choice === 'required' && list.length === 0) {
      throw badRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
    }
    return;
  }
  if (!isObject(choice)) throw badRequest("Invalid value for 'tool_choice': must be 'none', 'auto', 'required' or an object with a 'type'.", 'tool_choice');
  if (choice.type === undefined || choice.type === null) throw badRequest("Missing required parameter: 'tool_choice.type'.", 'tool_choice.type');
  if (typeof choice.type !== 'string' || !CHOICE_TYPES.includes(choice.type)) throw unsupported('tool_choice.type', choice.type, CHOICE_TYPES);
  if (choice.type === 'allowed_tools') return checkAllowedTools(choice, list);
  if (choice.type !== 'function') return;
  if (typeof choice.name !== 'string' || !choice.name) throw badRequest("Missing required parameter: 'tool_choice.name'.", 'tool_choice.name');
  checkFunctionGiven(choice.name, list, 'tool_choice');
}

/** A function a choice names must be one of the request's function tools (any name when a `namespace` tool may hold it). */
function checkFunctionGiven(name: string, list: Record<string, unknown>[], param: string): void {
  if (list.some((t) => t.type === 'namespace')) return;
  if (!list.some((t) => t.type === 'function' && t.name === name)) {
    throw badRequest(`Tool choice '${name.slice(0, 128)}' not found in 'tools' parameter.`, param);
  }
}

/**
 * `{type: 'allowed_tools', mode, tools}`: `mode` 'auto' or 'required', `tools` an array of typed
 * objects, each function among them named and given in `tools`. Before, a missing mode or list
 * went upstream (OpenAI refused it in its words; a translated target took it as 'auto' with every
 * tool, or with none).
 */
function checkAllowedTools(choice: Record<string, unknown>, list: Record<string, unknown>[]): void {
  if (choice.mode === undefined || choice.mode === null) throw badRequest("Missing required parameter: 'tool_choice.mode'.", 'tool_choice.mode');
  if (choice.mode !== 'auto' && choice.mode !== 'required') throw unsupported('tool_choice.mode', choice.mode, ['auto', 'required']);
  if (choice.tools === undefined || choice.tools === null) throw badRequest("Missing required parameter: 'tool_choice.tools'.", 'tool_choice.tools');
  if (!Array.isArray(choice.tools)) throw badRequest("Invalid type for 'tool_choice.tools': expected an array.", 'tool_choice.tools');
  choice.tools.forEach((t: unknown, i: number) => {
    const p = `tool_choice.tools[${i}]`;
    if (!isObject(t) || typeof t.type !== 'string' || t.type === '') throw badRequest(`Invalid value for '${p}': must be a tool object with a 'type'.`, p);
    if (t.type !== 'function') return;
    if (typeof t.name !== 'string' || !t.name) throw badRequest(`Missing required parameter: '${p}.name'.`, `${p}.name`);
    checkFunctionGiven(t.name, list, p);
  });
}

/**
 * An `input_file` part giving more than one of file_data, file_id and file_url is refused for
 * every target, naming the part (`input[0].content[1]`): the bridge took file_data and dropped the
 * rest without a word. A message's `content` and a function_call_output's `output` hold parts; a
 * plain loop, the path spelled out only for the part refused (every request with an input list
 * passes here).
 */
function checkInputFiles(input: unknown[]): void {
  for (let i = 0; i < input.length; i++) {
    const item = input[i] as Record<string, unknown> | null;
    const parts = item?.content ?? item?.output;
    if (!Array.isArray(parts)) continue;
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j];
      if (!isObject(part) || part.type !== 'input_file') continue;
      const problem = fileSourcesProblem(part);
      if (problem) {
        const where = `input[${i}].${Array.isArray(item?.content) ? 'content' : 'output'}[${j}]`;
        throw badRequest(`Invalid value for '${where}': ${problem}.`, where);
      }
    }
  }
}

/**
 * The body of POST /v1/responses as the /v1 prelude checks it, before admission: an object, its
 * fields of a known type (checkFields, first), a model name, `input` a string or an array of
 * items, `stream` a boolean, `tools` a list of typed objects, `tool_choice` of a known form naming only a tool
 * given (checkToolChoice). What depends on the model (which tools, stored
 * responses) is checked once routed.
 */
export function validateResponsesRequest(body: unknown): ResponsesRequest {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object.');
  checkFields(body);
  const req = body as ResponsesRequest;
  if (req.model === undefined || req.model === null || req.model === '') throw badRequest("'model' is required.", 'model');
  if (typeof req.model !== 'string') throw badRequest("'model' must be a string.", 'model');
  checkModelName(req.model);
  if (req.input !== undefined && typeof req.input !== 'string' && !Array.isArray(req.input)) {
    throw badRequest("'input' must be a string or an array of input items.", 'input');
  }
  if (req.stream !== undefined && req.stream !== null && typeof req.stream !== 'boolean') throw badRequest("'stream' must be a boolean.", 'stream');
  checkTools(body.tools);
  checkToolChoice(body.tool_choice, body.tools);
  if (Array.isArray(req.input)) checkInputFiles(req.input);
  return req;
}

/**
 * The body of POST /v1/responses/input_tokens and /v1/responses/compact: a Responses request as
 * POST /v1/responses checks it (validateResponsesRequest), but neither answers a stream or runs in
 * the background, so `stream: true` and `background: true` are refused by name rather than ignored.
 */
export function validateInputTokensRequest(body: unknown): ResponsesRequest {
  const req = validateResponsesRequest(body);
  for (const field of ['stream', 'background'] as const) {
    if (req[field] === true) throw badRequest(`'${field}' is not supported on this endpoint: it answers one JSON object.`, field, 'unsupported_parameter');
  }
  return req;
}

/** The body of POST /v1/responses/compact: as input_tokens takes it, with something to compact (`input` or `previous_response_id`). */
export function validateCompactRequest(body: unknown): ResponsesRequest {
  const req = validateInputTokensRequest(body);
  const empty = req.input === undefined || req.input === null || req.input === '' || (Array.isArray(req.input) && req.input.length === 0);
  if (empty && typeof req.previous_response_id !== 'string') throw badRequest("Nothing to compact: give the conversation in 'input' or continue one with 'previous_response_id'.", 'input');
  return req;
}
