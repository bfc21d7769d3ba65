import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import { checkModelName } from '../routing/model-name';
import { validateMessages } from './request-validation-messages';
import { BUILTIN_TOOL } from '../providers/shared/builtin-tools';
import { bool, int, isObject, metadata, nonEmptyString, num, object, oneOf, reasoningEffort, stop, string, stringArray, unsupported, type Check } from './request-validation-rules';

/** OpenAI's predicted output: `{type: 'content', content}`, the content a string or an array of text parts. */
const prediction: Check = (v) =>
  isObject(v) && v.type === 'content' && (typeof v.content === 'string' || Array.isArray(v.content))
    ? null
    : "must be an object with type 'content' and a string or array content";

/** Top-level fields with a known type; null means "not set" as in OpenAI's API. Others pass through. */
const FIELDS: Record<string, Check> = {
  stream: bool,
  n: int(1, 128),
  max_tokens: int(1),
  max_completion_tokens: int(1),
  temperature: num(0, 2),
  top_p: num(0, 1),
  presence_penalty: num(-2, 2),
  frequency_penalty: num(-2, 2),
  seed: int(),
  user: string,
  logprobs: bool,
  top_logprobs: int(0, 20),
  stop,
  reasoning_effort: reasoningEffort,
  stream_options: object,
  parallel_tool_calls: bool,
  logit_bias: object,
  // The fields below are dropped or refused for some providers (Gemini drops store, metadata and
  // prediction; a string `modalities: 'audio'` slipped past the audio refusal): a wrong type was
  // then silently ignored where OpenAI answers 400 naming it.
  metadata,
  service_tier: string,
  store: bool,
  modalities: stringArray,
  verbosity: oneOf('low', 'medium', 'high'),
  prediction,
};

// Walked on every request: as an array, not Object.entries of the table each time.
const FIELD_CHECKS = Object.entries(FIELDS);

const fail = (param: string, problem: string) => badRequest(`Invalid value for '${param}': ${problem}.`, param);

function validateTools(tools: unknown): void {
  if (!Array.isArray(tools)) throw fail('tools', 'must be an array');
  tools.forEach((t, i) => {
    const p = `tools[${i}]`;
    if (!isObject(t)) throw fail(p, 'must be an object');
    if (t.type === 'custom') return;
    // Kimi's builtin tools (`$web_search`): its provider takes them, any other refuses them by name (builtin-tools.ts).
    if (t.type === BUILTIN_TOOL) {
      if (!isObject(t.function) || typeof t.function.name !== 'string' || t.function.name === '') throw fail(`${p}.function.name`, 'must be a non-empty string');
      return;
    }
    if (t.type !== 'function') throw fail(`${p}.type`, "must be 'function'");
    if (!isObject(t.function) || typeof t.function.name !== 'string' || !/^[\w-]{1,64}$/.test(t.function.name)) {
      throw fail(`${p}.function.name`, 'must be 1-64 letters, digits, underscores or dashes');
    }
    if (t.function.parameters != null && !isObject(t.function.parameters)) throw fail(`${p}.function.parameters`, 'must be a JSON Schema object');
    if (t.function.strict != null && typeof t.function.strict !== 'boolean') throw fail(`${p}.function.strict`, 'must be a boolean');
  });
}

/** A tool named in a tool_choice (`function` or `custom`): the request's tool of that type and name, or OpenAI's 400. */
function checkNamed(v: Record<string, any>, tools: unknown, param: string): void {
  const kind = v.type as 'function' | 'custom';
  if (!isObject(v[kind])) throw badRequest(`Missing required parameter: '${param}.${kind}'.`, `${param}.${kind}`);
  const name = v[kind].name;
  if (typeof name !== 'string') throw fail(`${param}.${kind}.name`, 'must be a string');
  if (!(Array.isArray(tools) && tools.length > 0)) throw fail('tool_choice', "'tool_choice' is only allowed when 'tools' are specified");
  if (!(tools as Record<string, any>[]).some((t) => t.type === kind && t[kind]?.name === name)) {
    throw badRequest(`Tool choice ${kind} '${name.slice(0, 64)}' not found in 'tools' parameter.`, `${param}.${kind}.name`);
  }
}

/**
 * A choice that forces a tool must name one the request gives, as OpenAI requires (its 400s, in
 * its words): `required` or a named function without `tools`, a named function missing from them,
 * `{type: 'function'}` without `function` or with a name that is not a string. Sent on, one
 * upstream refused it in its own terms, another (the tools left out) answered with no call at all,
 * and a group forwarded it to each target in turn. The same holds for a named custom tool and for
 * each tool `allowed_tools` lists (its mode `auto` or `required`), and an object of another type
 * is refused as OpenAI refuses it.
 */
function validateToolChoice(v: unknown, tools: unknown): void {
  const given = Array.isArray(tools) && tools.length > 0;
  if (typeof v === 'string') {
    const problem = oneOf('none', 'auto', 'required')(v);
    if (problem) throw fail('tool_choice', problem);
    if (v === 'required' && !given) throw fail('tool_choice', "'tool_choice' is only allowed when 'tools' are specified");
    return;
  }
  if (!isObject(v)) throw fail('tool_choice', "must be 'none', 'auto', 'required' or an object naming a function");
  if (v.type === undefined || v.type === null) throw badRequest("Missing required parameter: 'tool_choice.type'.", 'tool_choice.type');
  if (v.type === 'function' || v.type === 'custom') return checkNamed(v, tools, 'tool_choice');
  if (v.type !== 'allowed_tools') throw unsupported('tool_choice.type', v.type, ['function', 'allowed_tools', 'custom']);
  const allowed = v.allowed_tools;
  if (!isObject(allowed)) throw badRequest("Missing required parameter: 'tool_choice.allowed_tools'.", 'tool_choice.allowed_tools');
  if (allowed.mode !== 'auto' && allowed.mode !== 'required') throw unsupported('tool_choice.allowed_tools.mode', allowed.mode, ['auto', 'required']);
  if (!Array.isArray(allowed.tools)) throw fail('tool_choice.allowed_tools.tools', 'must be an array');
  allowed.tools.forEach((t: unknown, i: number) => {
    const p = `tool_choice.allowed_tools.tools[${i}]`;
    if (!isObject(t)) throw fail(p, 'must be an object');
    if (t.type !== 'function' && t.type !== 'custom') throw unsupported(`${p}.type`, t.type, ['function', 'custom']);
    checkNamed(t, tools, p);
  });
}

function validateResponseFormat(v: unknown): void {
  if (!isObject(v)) throw fail('response_format', 'must be an object');
  const problem = oneOf('text', 'json_object', 'json_schema')(v.type);
  if (problem) throw fail('response_format.type', problem);
  if (v.type === 'json_schema' && (!isObject(v.json_schema) || typeof v.json_schema.name !== 'string')) {
    throw fail('response_format.json_schema.name', 'is required for json_schema');
  }
  const strict = v.json_schema?.strict;
  if (v.type === 'json_schema' && strict != null && typeof strict !== 'boolean') throw fail('response_format.json_schema.strict', 'must be a boolean');
}

/**
 * Checks a chat completion body against OpenAI's rules and returns it typed. Unknown extra
 * fields are kept (they pass through to OpenAI-compatible upstreams). Throws 400 with the
 * offending field in `param`.
 */
export function validateChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw badRequest('The request body must be a JSON object.', null);
  const modelProblem = nonEmptyString(body.model);
  if (modelProblem) throw fail('model', modelProblem);
  checkModelName(body.model as string);
  validateMessages(body.messages);
  for (const [field, check] of FIELD_CHECKS) {
    const v = body[field];
    if (v == null) continue;
    const problem = check(v);
    if (problem) throw fail(field, problem);
  }
  if (body.stream_options != null && body.stream_options.include_usage != null && typeof body.stream_options.include_usage !== 'boolean') {
    throw fail('stream_options.include_usage', 'must be a boolean');
  }
  if (body.tools != null) validateTools(body.tools);
  if (body.tool_choice != null) validateToolChoice(body.tool_choice, body.tools);
  if (body.response_format != null) validateResponseFormat(body.response_format);
  return body as ChatRequest;
}
