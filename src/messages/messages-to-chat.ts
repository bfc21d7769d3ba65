import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { badRequest } from '../errors/api-error';
import { threadUnsupported } from './anthropic-errors';
import { checkModelName } from '../routing/model-name';
import type { ChatRequest } from '../providers/types';
import { assistantMessage, systemText, userMessages, type TurnPart } from './anthropic-blocks-to-chat';
import type { MessagesRequest } from './anthropic-types';
import { applyThinking, checkThinking, checkThinkingForTranslation } from './map-thinking';
import { mapToolChoice, mapTools } from './map-anthropic-tools';
import { compactedHistory } from './compacted-history';
import { shownValue } from '../errors/shown-value';
import { checkContent } from './check-content';
import { checkFields, checkStopCount } from './check-fields';
import { fitsStrictSubset } from './strict-subset';

export interface TranslateTarget {
  /** The name the chat pipeline routes (the client's `model`). */
  model: string;
  /** Provider and upstream model of the route target: what the request must suit. */
  provider: string;
  upstreamModel: string;
  /**
   * Every non-Anthropic provider of the walk (each target gets the request translated for itself,
   * create-message.ts); default: `provider` alone. A refusal that holds for all of them is the answer.
   */
  providers?: readonly string[];
  /** The client's `anthropic-beta` header (the interleaved-thinking beta relaxes the thinking budget's rule). */
  beta?: string | null;
}

const unsupported = (what: string, param: string, provider: string) =>
  badRequest(`${what} ('${param}') is not supported by provider '${provider}'.`, param, 'unsupported_parameter');

/** Top-level fields only Anthropic's own API can honour. */
const REFUSED_FIELDS: Record<string, string> = {
  container: 'containers',
  mcp_servers: 'MCP servers',
};

/**
 * Providers whose chat API takes `top_k` (Gemini as topK; the mock ignores everything). OpenAI,
 * DeepSeek, xAI, Moonshot and Ollama's OpenAI endpoint have none (OpenAI refuses the field), so
 * there it is left out, as `speed` is: a sampling refinement (Anthropic: "for advanced use cases
 * only") that must not turn a request into a 400.
 */
const TOP_K_PROVIDERS = new Set(['gemini', 'mock']);
/** Providers that need an assistant turn's reasoning back inside a tool loop (see reasoning-quirk.ts). */
const REASONING_BACK = new Set(['deepseek', 'moonshot', 'ollama']);

/** The sampling fields Anthropic takes from 0 to 1. */
const UNIT_RANGE = ['temperature', 'top_p'] as const;

/** Anthropic's docs link in its refusal of a `tool` role (tool results ride in a user turn). */
const TOOL_USE_DOCS = 'https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview';

/**
 * Anthropic's 400 for a message role other than user or assistant ("tool": OpenAI's tool
 * results), its words: `messages: Unexpected role "tool". Allowed roles are "user" or "assistant"`.
 */
function unexpectedRole(role: unknown, i: number) {
  if (role === undefined) return badRequest(`messages.${i}.role: Field required`, `messages.${i}.role`);
  const shown = typeof role === 'string' ? JSON.stringify(shownValue(role)) : shownValue(role);
  const tools = role === 'tool' ? `. For instructions on how to use tools, see ${TOOL_USE_DOCS}.` : '';
  return badRequest(`messages: Unexpected role ${shown}. Allowed roles are "user" or "assistant"${tools}`, `messages.${i}.role`);
}

/**
 * Anthropic's ranges and words for the sampling fields, checked for every provider: a bridged
 * request must not hand a provider a value Anthropic refuses (OpenAI would answer a temperature of
 * 5 in its own words; 1e400 is Infinity, which JSON turns into null). `temperature` and `top_p`:
 * "temperature: range: 0..1"; `top_k` an integer ("top_k: Input should be a valid integer"). A
 * negative `top_k` keeps the gateway's words: Anthropic's own for it are not known.
 */
function checkSampling(req: MessagesRequest): void {
  for (const f of UNIT_RANGE) {
    const v = req[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number') throw badRequest(`${f}: Input should be a valid number`, f);
    if (!(v >= 0 && v <= 1)) throw badRequest(`${f}: range: 0..1`, f);
  }
  const k = req.top_k;
  if (k === undefined || k === null) return;
  if (typeof k !== 'number' || !Number.isSafeInteger(k)) throw badRequest('top_k: Input should be a valid integer', 'top_k');
  if (k < 0) throw badRequest('top_k: must be an integer >= 0', 'top_k');
}

/**
 * `max_tokens` in Anthropic's words by what was sent: "Field required" only for a field that was
 * not, a type ("Input should be a valid integer", a fraction too), the floor ("Input should be
 * greater than or equal to 1"). Past 2^53 (no model's limit comes near) the gateway's words.
 */
function maxTokensRefusal(v: unknown) {
  const what =
    v === undefined ? 'Field required'
    : typeof v !== 'number' || !Number.isInteger(v) ? 'Input should be a valid integer'
    : v < 1 ? 'Input should be greater than or equal to 1'
    : 'Input should be a positive integer below 2^53';
  return badRequest(`max_tokens: ${what}`, 'max_tokens');
}

/** Checks the shape Anthropic requires; throws a 400 naming the field. */
export function validateMessagesRequest(body: unknown): MessagesRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const req = body as MessagesRequest;
  if (typeof req.model !== 'string' || !req.model) {
    const what = req.model === undefined ? 'Field required' : req.model === '' ? 'String should have at least 1 character' : 'Input should be a valid string';
    throw badRequest(`model: ${what}`, 'model');
  }
  // Bounded and free of control characters before routing, upstream headers and log rows see it.
  checkModelName(req.model);
  if (typeof req.max_tokens !== 'number' || !Number.isSafeInteger(req.max_tokens) || req.max_tokens < 1) throw maxTokensRefusal(req.max_tokens);
  if (!Array.isArray(req.messages) || req.messages.length === 0) {
    const what = req.messages === undefined ? 'Field required' : !Array.isArray(req.messages) ? 'Input should be a valid list' : 'at least one message is required';
    throw badRequest(`messages: ${what}`, 'messages');
  }
  const last = req.messages.length - 1;
  req.messages.forEach((m, i) => {
    if (!m || typeof m !== 'object') throw badRequest(`messages.${i}: must be an object`, `messages.${i}`);
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') throw unexpectedRole(m.role, i);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) {
      throw badRequest(`messages.${i}.content: Input should be a valid list`, `messages.${i}.content`);
    }
    // Anthropic's rule (its words): only a final assistant turn, a prefill, may be empty.
    if (m.content.length === 0 && !(i === last && m.role === 'assistant')) {
      throw badRequest(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`, `messages.${i}.content`);
    }
  });
  // Checked for every target, Anthropic's included: Anthropic refuses these too, whatever the model.
  checkThinking(req.thinking);
  if (req.metadata !== undefined && req.metadata !== null) {
    if (typeof req.metadata !== 'object' || Array.isArray(req.metadata)) throw badRequest('metadata: Input should be a valid dictionary', 'metadata');
    const user = req.metadata.user_id;
    if (user !== undefined && user !== null && typeof user !== 'string') throw badRequest('metadata.user_id: Input should be a valid string', 'metadata.user_id');
  }
  if (req.system !== undefined && req.system !== null && typeof req.system !== 'string' && !Array.isArray(req.system)) {
    throw badRequest('system: Input should be a valid list', 'system');
  }
  if (req.stop_sequences !== undefined && req.stop_sequences !== null) {
    if (!Array.isArray(req.stop_sequences)) throw badRequest('stop_sequences: Input should be a valid list', 'stop_sequences');
    const i = req.stop_sequences.findIndex((s) => typeof s !== 'string');
    if (i >= 0) throw badRequest(`stop_sequences.${i}: Input should be a valid string`, `stop_sequences.${i}`);
  }
  checkSampling(req);
  if (req.stream !== undefined && req.stream !== null && typeof req.stream !== 'boolean') throw badRequest('stream: Input should be a valid boolean', 'stream');
  checkToolChoice(req);
  checkFields(req);
  checkContent(req);
  return req;
}

/** The tool_choice types Anthropic documents, in the order its 400 lists them. */
export const TOOL_CHOICE_TYPES = ['auto', 'any', 'tool', 'none'];

/**
 * A tool_choice that forces a tool (`any`, `tool`) needs `tools`, and `tool` must name one of them,
 * as Anthropic requires (its 400s, in its words), checked here for every target: sent on, Anthropic
 * refused it, a translated target was sent a function no tool declares, and a group forwarded it
 * to each target in turn. A choice that is not an object or has a type Anthropic does not know
 * (`required`, `function`: OpenAI's spelling) is refused the same way: before, only translated
 * targets refused it (mapToolChoice), while Anthropic's own models were sent it.
 */
function checkToolChoice(req: MessagesRequest): void {
  const tools = req.tools;
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) throw badRequest('tools: Input should be a valid list', 'tools');
  // Anthropic refuses these on every model; count_tokens counted them, /v1/messages sent them to Anthropic.
  tools?.forEach((t: unknown, i: number) => {
    if (!t || typeof t !== 'object' || Array.isArray(t)) throw badRequest(`tools.${i}: Input should be a valid dictionary`, `tools.${i}`);
  });
  const choice = req.tool_choice;
  if (choice === undefined || choice === null) return;
  if (typeof choice !== 'object' || Array.isArray(choice)) throw badRequest('tool_choice: Input should be an object', 'tool_choice');
  if (!TOOL_CHOICE_TYPES.includes(choice.type)) {
    if (typeof choice.type !== 'string') throw badRequest("tool_choice: Unable to extract tag using discriminator 'type'", 'tool_choice.type');
    const expected = TOOL_CHOICE_TYPES.map((t) => `'${t}'`).join(', ');
    throw badRequest(`tool_choice: Input tag '${choice.type.slice(0, 64)}' found using 'type' does not match any of the expected tags: ${expected}`, 'tool_choice.type');
  }
  if (choice.type !== 'any' && choice.type !== 'tool') return;
  if (choice.type === 'tool' && (typeof choice.name !== 'string' || !choice.name)) throw badRequest('tool_choice.name: Field required', 'tool_choice.name');
  if (!tools?.length) throw badRequest('tool_choice may only be specified while providing tools.', 'tool_choice');
  if (choice.type === 'tool' && !tools.some((t: any) => t && typeof t === 'object' && t.name === choice.name)) {
    throw badRequest(`tool_choice.name: Tool '${choice.name!.slice(0, 128)}' not found in provided tools`, 'tool_choice.name');
  }
}

/**
 * An Anthropic Messages request -> the chat completion request the chat pipeline runs for
 * every provider. Pure: throws only a 400 ApiError (a malformed block, or something the
 * target provider cannot honour), never on a valid request.
 */
export function messagesToChat(req: MessagesRequest, target: TranslateTarget): ChatRequest {
  const { provider } = target;
  if (req.thread !== undefined && req.thread !== null) throw threadUnsupported(provider);
  checkThinkingForTranslation(req, target.beta);
  // A data-residency demand no other provider can be held to (`global`, the default, asks nothing).
  if (req.inference_geo !== undefined && req.inference_geo !== null && req.inference_geo !== 'global') {
    throw unsupported(`Inference geography '${shownValue(req.inference_geo)}'`, 'inference_geo', provider);
  }
  for (const [field, what] of Object.entries(REFUSED_FIELDS)) {
    const v = req[field];
    if (v !== undefined && v !== null) throw unsupported(what, field, provider);
  }
  const messages: ChatCompletionMessageParam[] = [];
  const system = systemText(req.system, 'system');
  if (system) messages.push({ role: 'system', content: system });
  const turns = conversationTurns(req.messages);
  turns.forEach((turn, k) => {
    if (turn.role === 'system') {
      // Claude Code sends `system`-role messages inside the conversation.
      const text = systemText(turn.parts[0]!.content, `${turn.parts[0]!.path}.content`);
      if (text) messages.push({ role: 'system', content: text });
    } else if (turn.role === 'assistant') {
      // An answer to tool results carries its thinking back too (not a final one: a prefill is continued, not answered).
      const m = assistantMessage(turn.parts, REASONING_BACK.has(provider), k < turns.length - 1 && messages.at(-1)?.role === 'tool');
      // A turn with neither text nor calls (thinking alone, cut short) says nothing, and Kimi
      // refuses an empty assistant message: left out. A final one asks for nothing as a prefill.
      if (!m.content && !('tool_calls' in m)) return;
      // A final assistant turn is a prefill: its text is continued, not answered.
      if (k === turns.length - 1 && !('tool_calls' in m)) markPrefill(m);
      messages.push(m);
    } else {
      messages.push(...userMessages(turn.parts));
    }
  });

  const chat = { model: target.model, messages } as ChatRequest & Record<string, any>;
  // OpenAI's reasoning models refuse `max_tokens`; every OpenAI model takes the newer name.
  if (provider === 'openai') chat.max_completion_tokens = req.max_tokens;
  else chat.max_tokens = req.max_tokens;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.top_k === 'number' && TOP_K_PROVIDERS.has(provider)) chat.top_k = req.top_k;
  checkStopCount(req.stop_sequences, target.providers ?? [provider]);
  if (req.stop_sequences?.length) chat.stop = req.stop_sequences;
  const user = req.metadata?.user_id;
  if (typeof user === 'string' && user) chat.user = userId(user);

  const tools = mapTools(req.tools, provider);
  if (tools?.length) {
    chat.tools = tools;
    const choice = mapToolChoice(req.tool_choice);
    if (choice.toolChoice) chat.tool_choice = choice.toolChoice;
    if (choice.parallel === false) chat.parallel_tool_calls = false;
  } else if (req.tool_choice?.type === 'any' || req.tool_choice?.type === 'tool') {
    throw badRequest(`tool_choice.type '${shownValue(req.tool_choice.type)}' needs tools.`, 'tool_choice');
  }
  const { format, param } = outputFormat(req);
  if (format && typeof format === 'object') {
    const schema = outputSchemaOf(format);
    if (!schema) throw badRequest(`${param}: only {type: 'json_schema', schema} is supported.`, param);
    // DeepSeek's JSON mode has no schemas (json_object only): refused rather than silently loosened,
    // here (naming the client's field) when every translated target is DeepSeek; in a group with
    // others, its adapter refuses it as a parameter it cannot take and the walk goes on to a target that can.
    if ((target.providers ?? [provider]).every((p) => p === 'deepseek')) throw unsupported('Structured output with a JSON schema', param, provider);
    // Strict where the schema fits chat's strict subset; Claude's optional properties do not (strict-subset.ts).
    chat.response_format = { type: 'json_schema', json_schema: { name: 'output', schema, strict: fitsStrictSubset(schema) } };
  }
  applyThinking(chat, req, provider, target.upstreamModel);
  if (req.stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

/**
 * The conversation in turns: consecutive user or assistant messages are one turn, as Anthropic
 * combines them (an assistant's thinking sent apart from its tool calls still goes back with
 * them; tool results split over messages still come first). A `system`-role message stands alone.
 * A compacted conversation starts at its last compaction block, as Anthropic reads it (compacted-history.ts).
 */
export function conversationTurns(messages: MessagesRequest['messages']): { role: string; parts: TurnPart[] }[] {
  const turns: { role: string; parts: TurnPart[] }[] = [];
  compactedHistory(messages).forEach(({ role, part }) => {
    const last = turns[turns.length - 1];
    if (last && last.role === role && role !== 'system') last.parts.push(part);
    else turns.push({ role, parts: [part] });
  });
  return turns;
}

/**
 * Marks a prefill the way Kimi's Partial Mode does (`partial: true`): each chat adapter puts it in
 * its provider's terms (providers/openai-compatible/prefill.ts): Kimi's `partial`, DeepSeek's
 * `prefix` at its beta base URL, or no flag for a provider without prefill, which reads the turn
 * as a past one.
 */
function markPrefill(turn: ChatCompletionMessageParam): void {
  (turn as ChatCompletionMessageParam & { partial?: boolean }).partial = true;
}

/**
 * The structured-output format asked for: `output_config.format`, else the top-level
 * `output_format` of the structured-outputs beta, which Anthropic still takes and older SDKs
 * (and raw clients) still send; left unread, a bridged answer came back as free text.
 */
export function outputFormat(req: MessagesRequest): { format: Record<string, any> | null | undefined; param: string } {
  const config = req.output_config?.format;
  if (config !== undefined && config !== null) return { format: config, param: 'output_config.format' };
  return { format: req.output_format as Record<string, any> | null | undefined, param: 'output_format' };
}

/** The JSON schema of a structured-output format the bridge takes (`{type: 'json_schema', schema}`), else null. */
export function outputSchemaOf(format: Record<string, any> | null | undefined): Record<string, unknown> | null {
  return format && typeof format === 'object' && format.type === 'json_schema' && format.schema && typeof format.schema === 'object' ? format.schema : null;
}

/**
 * Claude Code's metadata.user_id runs past 64 characters, longer than OpenAI's `user` takes; a
 * long one is sent as its SHA-256 (still one stable id per user, which is all `user` is for).
 */
function userId(id: string): string {
  return id.length <= 64 ? id : new Bun.CryptoHasher('sha256').update(id).digest('hex');
}
