import { badRequest } from '../../errors/api-error';
import type { UpstreamBody } from '../types';
import { refuseAudioOutput, refuseLogitBias, refuseSeveralChoices, refuseWebSearchOptions } from '../shared/unsupported-params';
import { chatMessagesToInput } from './chat-messages-to-input';

const WHY = "the model is served on OpenAI's Responses API, which has no such setting";

/** Chat fields the Responses API has no counterpart for: refused (400 unsupported_parameter, so a group moves on) rather than dropped. */
const NO_COUNTERPART = ['stop', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs', 'prediction'] as const;

/** Fields that mean the same on both APIs, copied when set. */
const SAME = ['temperature', 'top_p', 'parallel_tool_calls', 'user', 'metadata', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention'] as const;

/** Chat tools -> Responses tools: a function's fields flat; chat's `strict` defaults to false, Responses' to true, so it is said. */
function responsesTool(tool: any): Record<string, unknown> {
  if (tool?.type === 'custom') return { type: 'custom', ...tool.custom };
  const fn = tool?.function ?? {};
  return { type: 'function', name: fn.name, ...(fn.description != null && { description: fn.description }), parameters: fn.parameters ?? { type: 'object', properties: {} }, strict: fn.strict === true };
}

/** Chat `tool_choice` -> Responses': a named function or custom tool, and `allowed_tools`, flattened. */
function responsesToolChoice(choice: any): unknown {
  if (typeof choice === 'string' || choice == null) return choice;
  if (choice.type === 'function') return { type: 'function', name: choice.function?.name };
  if (choice.type === 'custom') return { type: 'custom', name: choice.custom?.name };
  if (choice.type === 'allowed_tools') {
    const a = choice.allowed_tools ?? {};
    return { type: 'allowed_tools', mode: a.mode, tools: (a.tools ?? []).map((t: any) => (t?.type === 'function' ? { type: 'function', name: t.function?.name } : t?.type === 'custom' ? { type: 'custom', name: t.custom?.name } : t)) };
  }
  return choice;
}

/** Chat `response_format` -> Responses `text.format`: a json_schema's fields flat. */
function textFormat(format: any): Record<string, unknown> | undefined {
  if (format?.type === 'json_schema') return { type: 'json_schema', ...format.json_schema };
  if (format?.type === 'json_object' || format?.type === 'text') return { type: format.type };
  return undefined;
}

/**
 * A chat request body (already fitted to OpenAI's reasoning models: reasoningModelParams) -> the
 * Responses request for the same answer, never stored at OpenAI (`store: false`: the client holds
 * the conversation, as on chat). Pure; throws a 400 for what Responses cannot do.
 */
export function chatToResponsesRequest(body: UpstreamBody, stream: boolean): UpstreamBody {
  const provider = 'openai';
  refuseSeveralChoices(body, provider, WHY);
  refuseLogitBias(body, provider, WHY);
  refuseAudioOutput(body, provider);
  refuseWebSearchOptions(body, provider, WHY);
  for (const field of NO_COUNTERPART) {
    if (body[field] != null && body[field] !== false) throw badRequest(`${field} is not supported by provider '${provider}': ${WHY}.`, field, 'unsupported_parameter');
  }
  const { instructions, input } = chatMessagesToInput(body.messages);
  const out: UpstreamBody = { model: body.model, ...(instructions !== undefined && { instructions }), input, store: false };
  if (stream) out.stream = true;
  for (const field of SAME) if (body[field] != null) out[field] = body[field];
  if (Array.isArray(body.tools) && body.tools.length > 0) out.tools = body.tools.map(responsesTool);
  if (body.tool_choice != null) out.tool_choice = responsesToolChoice(body.tool_choice);
  const format = textFormat(body.response_format);
  if (format || body.verbosity != null) out.text = { ...(format && { format }), ...(body.verbosity != null && { verbosity: body.verbosity }) };
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max != null) out.max_output_tokens = max;
  if (body.reasoning_effort != null) out.reasoning = { effort: body.reasoning_effort };
  return out;
}
