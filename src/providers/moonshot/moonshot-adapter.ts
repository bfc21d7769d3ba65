import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import { functionNameStreamHook, renameFunctionsUp, restoreFunctionsInAnswer } from '../openai-compatible/function-name-quirk';
import { completionTokensToMaxTokens, developerToSystem, dropBlankToolCallText } from '../openai-compatible/message-quirks';
import { fillReasoningContent, reasoningStreamHook, rememberResponseReasoning, thinkingSwitch, type CallKey } from '../openai-compatible/reasoning-quirk';
import { PROVIDER_CATALOG } from '../provider-catalog';
import type { FunctionNameRule } from '../shared/function-names';
import type { ChatCallContext, UpstreamBody } from '../types';
import { moonshotResponseSchema, moonshotToolSchema } from './moonshot-schema';
import { refuseAudioOutput, refuseWebSearchOptions } from '../shared/unsupported-params';
import { fitContentParts } from '../shared/content-parts';
import { forcedToolWithoutThinking } from '../openai-compatible/forced-tool-thinking';
import { effortNoneAsThinkingOff } from '../openai-compatible/effort-none-thinking-off';
import { addWebSearchFee, webSearchCounter } from './kimi-web-search';

/**
 * The memory key of a Kimi tool call. Its ids are counters within one conversation
 * (`functions.get_weather:0`), the same in every conversation's first call, so the key also names
 * the client key that asked (one client's reasoning never goes into another's request) and the
 * function. Two conversations of one client that make the same first call may swap their
 * reasoning; Kimi then reads a plausible one instead of refusing the turn.
 */
export function kimiCallKey(clientId: number | null | undefined): CallKey {
  if (clientId == null) return () => undefined;
  return (call) => {
    const id = call?.id;
    if (typeof id !== 'string' || id === '') return undefined;
    const name = call?.function?.name;
    return `kimi:${clientId}:${typeof name === 'string' ? name : ''}:${id}`;
  };
}

/**
 * Kimi K2.5 and later K2.x (kimi-k2.6) sample at fixed settings (temperature 1 when thinking, 0.6
 * when not; top_p 0.95; no penalties) and refuse any other value ("invalid temperature: only 1 is
 * allowed for this model"), as OpenAI's reasoning models do. kimi-k2-thinking, the K2 previews and
 * moonshot-v1 take them.
 */
export function hasFixedSampling(model: string): boolean {
  return /^kimi-k2\.\d/i.test(model);
}

/**
 * The Kimi models that always think and have no switch: kimi-k2-thinking (and -turbo), and the coding
 * model kimi-k2.7-code (and -highspeed), whose `thinking.type` takes "enabled" only: "always thinks.
 * Passing "disabled" errors" (platform.kimi.ai/docs/guide/use-kimi-k2-thinking-model).
 */
const kimiAlwaysThinks = (model: string): boolean => /thinking|^kimi-k2\.7-code/i.test(model);

/**
 * Kimi K2.5 and later K2.x (kimi-k2.6) switch thinking with `thinking: {type: "enabled" |
 * "disabled"}`, on unless told not to ("Accepts {"type": "enabled"} or {"type": "disabled"}",
 * platform.kimi.ai/docs/api/models-overview), but for the coding model, which always thinks
 * (kimiAlwaysThinks). moonshot-v1 and the K2 previews do not think.
 */
export const kimiSwitchesThinking = (model: string): boolean => hasFixedSampling(model) && !kimiAlwaysThinks(model);

/**
 * Whether Kimi answers `body` in thinking mode: kimi-k2-thinking and kimi-k2.7-code always; K2.5 and later K2.x
 * (kimi-k2.6) unless `thinking: {type: "disabled"}`; others only with `thinking: {type: "enabled"}`.
 */
function kimiThinks(body: UpstreamBody): boolean {
  const model = String(body.model);
  if (kimiAlwaysThinks(model)) return true;
  return thinkingSwitch(body) ?? kimiSwitchesThinking(model);
}

const FIXED_SAMPLING = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'] as const;

/**
 * Kimi refuses a function name that does not start with a letter (400 "function name is invalid,
 * must start with a letter and can contain letters, numbers, underscores, and dashes"), which OpenAI
 * takes: MCP servers name tools `21st_magic_component_builder` (MoonshotAI/kimi-cli#1806). Its
 * builtin tools' names (`$web_search`, builtin-tools.ts) go as they are: a client's function name
 * never holds a `$` (request validation refuses it), so such a name is always Kimi's own.
 */
export const KIMI_FUNCTION_NAMES: FunctionNameRule = { valid: /^(?:[A-Za-z][A-Za-z0-9_-]{0,63}|\$[A-Za-z][A-Za-z0-9_-]{0,62})$/, refused: /[^A-Za-z0-9_-]/g };

/**
 * Moonshot (Kimi) on the way up:
 * - audio output and OpenAI's web_search_options are refused (shared/unsupported-params.ts), as are
 *   `input_audio` and `file` parts (it reads text and images; a tool result's document becomes a
 *   placeholder: shared/content-parts.ts);
 * - a model with fixed sampling (hasFixedSampling) gets no temperature, top_p or penalties (it
 *   uses its own, whatever the client set: dropped as for OpenAI's reasoning models);
 * - temperature only in [0, 1] (OpenAI allows up to 2): clamped, not failed;
 * - only `max_tokens` is read;
 * - `reasoning_effort: "none"` is thinking off on K2.5 and later, and a 400 on kimi-k2-thinking
 *   (effort-none-thinking-off.ts); other efforts, and any on a model that does not think, go as sent;
 * - in thinking mode (kimi-k2.6 by default, kimi-k2-thinking always) an assistant turn that made
 *   tool calls must carry its `reasoning_content` back ("thinking is enabled but reasoning_content
 *   is missing in assistant tool call message at index N"); one the client dropped gets the one
 *   the gateway remembered for this client, one it holds none for an empty one, which Kimi takes;
 * - in thinking mode a forced tool call is Kimi's 400 ("tool_choice 'required' is incompatible with
 *   thinking enabled", 'specified' for a named function): K2.5 and later get that request with
 *   thinking disabled, kimi-k2-thinking refuses it before the call (forced-tool-thinking.ts);
 * - an assistant tool-call message with blank text (`content: ""`, what Kimi itself answers such a
 *   turn with) goes without it: Kimi refuses it ("Invalid request: text content is empty");
 * - a function name Kimi refuses goes up renamed (KIMI_FUNCTION_NAMES), and comes back as the client's;
 * - tool parameters, and a `json_schema` response format's schema, are rewritten to the JSON Schema
 *   subset Moonshot takes (moonshot-schema.ts), or refused with 400 `unsupported_tool_schema` before the call.
 */
export function moonshotRequest(body: UpstreamBody, ctx?: ChatCallContext): UpstreamBody | Promise<UpstreamBody> {
  refuseAudioOutput(body, 'moonshot');
  refuseWebSearchOptions(body, 'moonshot', "Kimi searches through its builtin_function tool '$web_search'");
  fitContentParts(body, 'moonshot');
  developerToSystem(body);
  dropBlankToolCallText(body);
  completionTokensToMaxTokens(body);
  const model = String(body.model);
  if (hasFixedSampling(model)) for (const k of FIXED_SAMPLING) delete body[k];
  if (typeof body.temperature === 'number') body.temperature = Math.min(1, Math.max(0, body.temperature));
  if (Array.isArray(body.tools)) body.tools = body.tools.map(withMoonshotParameters);
  if (body.response_format !== undefined) body.response_format = withMoonshotResponseSchema(body.response_format);
  if (kimiAlwaysThinks(model) || kimiSwitchesThinking(model)) effortNoneAsThinkingOff(body, kimiAlwaysThinks(model), 'kimi-k2.5, or a later K2.x model,');
  forcedToolWithoutThinking(body, kimiThinks(body), kimiAlwaysThinks(model), 'Kimi');
  // The reasoning is remembered under the client's function names, so it is filled in before they are renamed.
  const filling = fillReasoningContent(body, ctx?.reasoning, kimiCallKey(ctx?.clientId), kimiThinks(body));
  const finish = () => {
    renameFunctionsUp(body, KIMI_FUNCTION_NAMES);
    return body;
  };
  return filling ? filling.then(finish) : finish();
}

/** A function tool with its parameters as Moonshot takes them (a copy: the client's request is not changed). */
function withMoonshotParameters(tool: any, i: number): unknown {
  const parameters = tool?.function?.parameters;
  if (tool?.type !== 'function' || !parameters || typeof parameters !== 'object') return tool;
  return { ...tool, function: { ...tool.function, parameters: moonshotToolSchema(parameters, `tools[${i}].function.parameters`) } };
}

/** A `json_schema` response format with its schema as Moonshot takes it (a copy); any other as it is. */
function withMoonshotResponseSchema(format: any): unknown {
  const schema = format?.json_schema?.schema;
  if (format?.type !== 'json_schema' || !schema || typeof schema !== 'object') return format;
  return { ...format, json_schema: { ...format.json_schema, schema: moonshotResponseSchema(schema, 'response_format.json_schema.schema') } };
}

/**
 * Moonshot may send stream usage inside `choices[0].usage` of the last chunk instead of a
 * top-level `usage`; it is lifted to where OpenAI puts it.
 */
export function liftChoiceUsage(chunk: any): boolean {
  const choice = chunk?.choices?.[0];
  if (!choice?.usage) return false;
  chunk.usage ??= choice.usage;
  delete choice.usage;
  return true;
}

export const moonshotAdapter = createOpenAICompatibleAdapter({
  id: 'moonshot',
  defaultBaseUrl: PROVIDER_CATALOG.moonshot.defaultBaseUrl,
  // Partial Mode: `partial: true` on the final assistant message; the answer leaves out the fed text.
  prefill: { flag: 'partial' },
  // Its builtin tools (`$web_search`) go up as sent; each search bills beside the tokens.
  builtinTools: true,
  addFees: addWebSearchFee,
  transformRequestBody: (body, info) => moonshotRequest(body, { ...info.ctx, reasoning: info.ctx.reasoning ?? info.deps.reasoning }),
  // Reasoning of tool-calling turns is remembered on the way down, in the app's memory.
  streamChunkHook: (ctx, tally) => {
    const remember = reasoningStreamHook(ctx.reasoning, kimiCallKey(ctx.clientId));
    const restoreNames = functionNameStreamHook(KIMI_FUNCTION_NAMES, ctx);
    const countSearches = webSearchCounter(tally);
    return (chunk) => {
      const lifted = liftChoiceUsage(chunk);
      const restored = restoreNames(chunk);
      remember(chunk);
      countSearches(chunk);
      return lifted || restored;
    };
  },
  transformResponse: (body, ctx) => {
    const restored = restoreFunctionsInAnswer(body, KIMI_FUNCTION_NAMES, ctx);
    rememberResponseReasoning(body, ctx?.reasoning, kimiCallKey(ctx?.clientId));
    return liftChoiceUsage(body) || restored;
  },
});
