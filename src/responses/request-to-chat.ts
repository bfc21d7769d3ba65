import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import type { ChatRequest } from '../providers/types';
import { inputToMessages, type MessageSource } from './input-to-messages';
import { chatToolName, isJsonObject, mapToolChoice, mapTools } from './map-tools';
import type { ResponsesRequest } from './responses-types';
import { shownValue } from '../errors/shown-value';
import { checkInclude } from './includable';

export interface BridgedRequest {
  chat: ChatRequest;
  /** The conversation without `instructions` (OpenAI does not carry instructions into a follow-up). */
  conversation: ChatCompletionMessageParam[];
  /**
   * A `param` of the chat request (`messages[2].content[1].type`, `response_format`) as the field
   * of the client's Responses request it came from (`input[1].content[1]`, `text.format`), for
   * the 400s the chat side raises before any call.
   */
  paramOf: (chatParam: string, sent: readonly ChatCompletionMessageParam[]) => string;
}

/** Chat request fields and the Responses fields they are made from. */
const CLIENT_FIELDS: [RegExp, string][] = [
  [/^response_format\.json_schema\.schema$/, 'text.format.schema'],
  [/^response_format\b.*/, 'text.format'],
  [/^max_(completion_)?tokens$/, 'max_output_tokens'],
  [/^reasoning_effort$/, 'reasoning.effort'],
];

/**
 * `paramOf` for a chat request whose `messages` came from `sources` (MessageSource, one per message
 * of the conversation), after `lead` messages of their own (the instructions) and `history` ones
 * (the conversation `previous_response_id` continues). The messages `sent` may be fewer
 * (`truncation: "auto"` dropped the oldest): each is found among `messages` by identity.
 */
function chatParamTranslator(
  messages: readonly ChatCompletionMessageParam[], lead: number, history: number, sources: MessageSource[], toolIndex: number[],
): BridgedRequest['paramOf'] {
  return (chatParam, sent) => {
    // A function or custom tool's field (its `function` or `custom` wrapper is the chat form's); `allowed_tools` may have left some out.
    const t = /^tools\[(\d+)\](?:\.(?:function|custom)(?:\.(\w+))?)?/.exec(chatParam);
    if (t) return `tools[${toolIndex[Number(t[1])] ?? t[1]}]` + (t[2] ? `.${t[2]}` : '');
    const m = /^messages\[(\d+)\](?:\.content\[(\d+)\])?/.exec(chatParam);
    if (!m) {
      const field = CLIENT_FIELDS.find(([re]) => re.test(chatParam));
      return field ? chatParam.replace(field[0], field[1]) : chatParam;
    }
    const k = messages.indexOf(sent[Number(m[1])]!);
    if (k < 0) return 'input';
    if (k < lead) return 'instructions';
    if (k < lead + history) return 'previous_response_id';
    const source = sources[k - lead - history];
    if (!source) return 'input';
    return `input[${source.item}]` + (source.sameParts && m[2] !== undefined ? `.content[${m[2]}]` : '');
  };
}

/** Whether a field names an object of OpenAI's project: anything but absent, null or false (what the bridge refuses). */
export const namesProjectObject = (v: unknown): boolean => v !== undefined && v !== null && v !== false;

/** Request fields the bridge cannot honour on a chat upstream. */
const REFUSED_FIELDS: Record<string, string> = {
  conversation: 'conversations',
  prompt: 'prompt templates',
};

/**
 * A Responses request -> a chat completion request for `model` (the name the chat pipeline
 * routes), continuing `history` (the stored conversation of `previous_response_id`).
 */
export function responsesToChat(
  req: ResponsesRequest,
  opts: { model: string; provider: string; history?: ChatCompletionMessageParam[] },
): BridgedRequest {
  for (const [field, what] of Object.entries(REFUSED_FIELDS)) {
    if (namesProjectObject(req[field])) {
      throw badRequest(`${what} ('${field}') is not supported by provider '${opts.provider}'.`, field, 'unsupported_parameter');
    }
  }
  checkInclude(req.include);
  // A background response is read back (retrieve): it has to be stored, as OpenAI requires.
  if (req.background === true && req.store === false) {
    throw badRequest("A background response is stored to be read back: 'store' cannot be false with 'background' true.", 'store');
  }
  const sources: MessageSource[] = [];
  const conversation = [...(opts.history ?? []), ...inputToMessages(req.input, sources)];
  checkToolOutputs(conversation, opts.history?.length ?? 0, sources);
  const messages: ChatCompletionMessageParam[] = [...conversation];
  if (req.instructions !== undefined && req.instructions !== null) {
    if (typeof req.instructions !== 'string') throw badRequest("'instructions' must be a string.", 'instructions');
    messages.unshift({ role: 'system', content: req.instructions });
  }
  if (conversation.length === 0) throw badRequest("'input' is required.", 'input');

  const chat = { model: opts.model, messages } as ChatRequest & Record<string, any>;
  const mapped = mapTools(req.tools, opts.provider);
  let tools = mapped?.tools;
  const { toolChoice, allowed } = mapToolChoice(req.tool_choice, opts.provider);
  checkToolChoice(toolChoice, allowed, tools ?? []);
  let toolIndex = mapped?.index ?? [];
  if (tools && allowed) {
    const kept = tools.flatMap((t, p) => (allowed.has(chatToolName(t)) ? [p] : []));
    toolIndex = kept.map((p) => toolIndex[p]!);
    tools = kept.map((p) => tools![p]!);
  }
  if (tools?.length) {
    chat.tools = tools;
    if (toolChoice) chat.tool_choice = toolChoice;
    if (typeof req.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  // `max_tokens` rather than `max_completion_tokens`: every chat upstream knows it.
  if (typeof req.max_output_tokens === 'number') chat.max_tokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.user === 'string') chat.user = req.user;
  // Chat's field too (Anthropic's metadata.user_id when `user` is unset: anthropic-request.ts).
  if (typeof req.safety_identifier === 'string') chat.safety_identifier = req.safety_identifier;
  const logprobsFrom = askLogprobs(req, chat);
  const effort = req.reasoning?.effort;
  if (typeof effort === 'string') chat.reasoning_effort = effort as ChatRequest['reasoning_effort'];
  const format = mapTextFormat(req.text?.format);
  // Not sent on (a chat upstream has no such setting), but echoed in the response: OpenAI's values only.
  const verbosity = req.text?.verbosity;
  if (verbosity != null && !VERBOSITY.has(verbosity)) throw badRequest("text.verbosity must be 'low', 'medium' or 'high'.", 'text.verbosity');
  if (format) chat.response_format = format;
  if (req.stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  const lead = messages.length - conversation.length;
  const paramOf = chatParamTranslator(messages, lead, opts.history?.length ?? 0, sources, toolIndex);
  // The chat side refuses `logprobs` by name (Gemini, Anthropic, DeepSeek thinking): the field the client sent.
  return { chat, conversation, paramOf: logprobsFrom ? (p, sent) => (p === 'logprobs' ? logprobsFrom : paramOf(p, sent)) : paramOf };
}

/**
 * `include: ["message.output_text.logprobs"]` or `top_logprobs` -> the chat request's `logprobs:
 * true` (and `top_logprobs`), so a bridged model gets them as /v1/chat/completions gives them:
 * sent where chat sends them (Kimi, Grok, Ollama, DeepSeek out of thinking mode), its 400 naming
 * the field where chat refuses them (Gemini, Anthropic, DeepSeek's thinking mode); the answer's
 * logprobs fill output_text's (map-logprobs.ts). Returns the client's field that asked, or null.
 */
function askLogprobs(req: ResponsesRequest, chat: Record<string, any>): string | null {
  const k = Array.isArray(req.include) ? req.include.indexOf('message.output_text.logprobs') : -1;
  const top = typeof req.top_logprobs === 'number';
  if (k < 0 && !top) return null;
  chat.logprobs = true;
  if (top) chat.top_logprobs = req.top_logprobs;
  return k >= 0 ? `include[${k}]` : 'top_logprobs';
}

/**
 * A tool_choice that asks for a tool the request does not give (a named function or an allowed
 * tool missing from `tools`, `required` without tools) is OpenAI's 400. Sent on, one chat upstream
 * refuses it in its own words and another (the tools left out) answers with no call at all, which
 * an agent waiting for one cannot tell from a choice the model made.
 */
function checkToolChoice(choice: ChatRequest['tool_choice'], allowed: Set<string> | undefined, tools: ChatCompletionTool[]): void {
  const names = new Set(tools.map(chatToolName));
  const named = typeof choice === 'object' && choice && 'function' in choice ? [choice.function.name]
    : typeof choice === 'object' && choice && 'custom' in choice ? [choice.custom.name] : [...(allowed ?? [])];
  const missing = named.find((name) => !names.has(name));
  if (missing !== undefined) {
    const kind = typeof choice === 'object' && choice?.type === 'custom' ? 'custom tool' : 'function';
    throw badRequest(`tool_choice names the ${kind} '${shownValue(missing)}', which is not in 'tools'.`, 'tool_choice');
  }
  if ((choice === 'required' || allowed) && names.size === 0) {
    throw badRequest("tool_choice asks for a tool, but 'tools' has no function to call.", 'tool_choice');
  }
}

/**
 * A function_call_output answers a call made earlier in the conversation (the input, or the one
 * `previous_response_id` continues), or it is OpenAI's 400, before any call: sent on, Anthropic and
 * DeepSeek refused it in their own words, Gemini in the chat form's, and a lenient upstream read a
 * result of nothing (an agent's stale or wrong previous_response_id went unnoticed). One pass, the
 * calls made so far in a set: looking back over the conversation for each output was quadratic (a
 * client's input of 20,000 calls and outputs held the event loop a second).
 */
function checkToolOutputs(conversation: readonly ChatCompletionMessageParam[], history: number, sources: MessageSource[]): void {
  let outputs = false;
  for (let k = history; k < conversation.length && !outputs; k++) outputs = conversation[k]!.role === 'tool';
  if (!outputs) return;
  const calls = new Set<string>();
  for (let k = 0; k < conversation.length; k++) {
    const m = conversation[k]!;
    if (m.role === 'assistant' && m.tool_calls) for (const c of m.tool_calls) calls.add(c.id);
    if (k < history || m.role !== 'tool' || calls.has(m.tool_call_id)) continue;
    const item = sources[k - history]?.item;
    throw badRequest(`No tool call found for function call output with call_id ${shownValue(m.tool_call_id)}.`, item === undefined ? 'input' : `input[${item}]`);
  }
}

const VERBOSITY = new Set(['low', 'medium', 'high']);

function mapTextFormat(format: Record<string, unknown> | undefined): ChatRequest['response_format'] | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    if (typeof format.name !== 'string' || !isJsonObject(format.schema)) {
      throw badRequest("text.format json_schema needs 'name' (a string) and 'schema' (a JSON Schema object).", 'text.format');
    }
    const js: Record<string, unknown> = { name: format.name, schema: format.schema };
    if (typeof format.description === 'string') js.description = format.description;
    if (typeof format.strict === 'boolean') js.strict = format.strict;
    return { type: 'json_schema', json_schema: js as any };
  }
  throw badRequest(`text.format type '${shownValue(format.type)}' is not supported.`, 'text.format');
}
