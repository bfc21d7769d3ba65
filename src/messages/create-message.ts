import { keepTargets } from '../routing/keep-targets';
import type { AppContext } from '../context';
import type { ApiError } from '../errors/api-error';
import type { ChatCompletionChunk, ChatRequest } from '../providers/types';
import { alreadyRelayed } from '../providers/anthropic/native-messages';
import { answerNamed } from '../providers/anthropic/answer-model';
import { chatChunks, readAhead } from '../proxy/chat-chunks';
import { classifierCallModel, logRejectedChat, startChat, type ChatRunOptions } from '../proxy/chat-pipeline';
import type { EndpointAnswer, EndpointCaller } from '../proxy/endpoint-types';
import { completionText, gatewayHeaders } from '../proxy/request-outcome';
import { routeChat } from '../proxy/route-chat';
import { runChatCompletion, streamChatCompletion } from '../proxy/run-chat-completion';
import type { RouteDecision, RouteTarget } from '../routing';
import { approximatePromptTokens, estimateSampled, estimateUsage, usageOrEstimate } from '../usage/estimate-usage';
import type { Usage } from '../usage/types';
import { toAnthropicError } from './anthropic-errors';
import type { MessagesRequest } from './anthropic-types';
import { claudeModelAlias } from './claude-model-alias';
import { chatToMessage, newMessageId, toAnthropicUsage } from './chat-to-message';
import { DEFAULT_PING_MS, messageEventStream } from './message-event-stream';
import { MessageStreamBridge } from './message-stream-bridge';
import { messagesToChat } from './messages-to-chat';
import { toolNameRestorer } from './tool-name-limit';
import { noteIgnoredCitations } from './ignored-citations';
import { newRequestId } from '../proxy/request-id';

const utf8 = new TextDecoder();

export interface CreateMessageOptions extends EndpointCaller {
  /** Silence before a `ping` on streams (default 10 s). */
  pingMs?: number;
  /** The client's `anthropic-version` / `anthropic-beta` headers: for a native Anthropic upstream only. */
  anthropicHeaders?: Record<string, string>;
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
}

/**
 * POST /v1/messages over the chat pipeline: route the model as chat does (groups, fallback,
 * breakers, key pools), translate the request for each non-Anthropic target's provider and model, run
 * it as a chat completion (one log row, endpoint `messages`) and answer in Anthropic's format,
 * JSON or SSE. Targets on the `anthropic` provider take the client's body natively (see
 * native-messages.ts): their answer is Anthropic's own bytes, with usage read from them. A
 * request refused before the chat call (routing, translation) is logged here. Throws ApiError
 * (the /v1 prelude, api/openai-request.ts, answers it with the x-request-id header).
 */
export async function createMessage(ctx: AppContext, req: MessagesRequest, opts: CreateMessageOptions): Promise<EndpointAnswer> {
  const requestId = opts.requestId ?? newRequestId();
  let chat: ChatRequest;
  let decision: RouteDecision;
  let bodyFor: ChatRunOptions['bodyFor'];
  try {
    // Routing reads message text loosely, so the Anthropic body serves as it is.
    const routed = claudeModelAlias(req.model, ctx.state.getSnapshot()) ?? req.model;
    decision = await routeChat(ctx, { ...req, model: routed } as unknown as ChatRequest, classifierCallModel(ctx, requestId, opts), opts.signal);
  } catch (err) {
    logRejectedChat(ctx, err, req, { clientId: opts.clientId, teamId: opts.teamId, clock: opts.clock, endpoint: 'messages', requestId });
    throw err;
  }
  try {
    ({ chat, decision, bodyFor } = translateForTargets(req, decision, opts.anthropicHeaders?.['anthropic-beta']));
  } catch (err) {
    logRejectedChat(ctx, err, req, { clientId: opts.clientId, teamId: opts.teamId, clock: opts.clock, endpoint: 'messages', requestId });
    throw err;
  }
  const run: ChatRunOptions & { requestId: string } = { clientId: opts.clientId, teamId: opts.teamId, signal: opts.signal, dropClient: opts.dropClient, endpoint: 'messages', requestId, clock: opts.clock, decision, bodyFor, outputCap: opts.outputCap, thinkingShare: thinkingShareOf(req) };
  const id = newMessageId();
  const stops = req.stop_sequences ?? undefined;
  const shape: MessageShape = { id, stops, pingMs: opts.pingMs, toolName: toolNameRestorer(req.tools) };
  if (decision.targets.some(isNative)) return nativeOrTranslated(ctx, req, chat, { ...run, clientHeaders: opts.anthropicHeaders, nativeMessages: req }, shape);

  if (!req.stream) {
    const r = await runChatCompletion(ctx, chat, run);
    const message = chatToMessage(r.completion, { id, model: req.model, usage: r.usage, stopSequences: stops, toolName: shape.toolName });
    const headers = noteIgnoredCitations(gatewayHeaders({ overheadMs: opts.clock.overhead(), target: r.target, decision, requestId }), req);
    return { kind: 'json', body: JSON.stringify(message), headers };
  }

  const starting = streamChatCompletion(ctx, chat, run);
  // Most upstreams answer (or fail) within moments: then the client gets their status as a plain
  // HTTP error, as Anthropic answers. A model that thinks long before its first token would
  // leave the connection silent (proxies in front drop idle ones), so past one ping interval the
  // stream is opened with message_start and kept alive with pings; a failure after that arrives
  // as `event: error`.
  let timer: Timer | undefined;
  const waited = new Promise<null>((r) => (timer = setTimeout(() => r(null), opts.pingMs ?? DEFAULT_PING_MS)));
  const s = await Promise.race([starting, waited]).finally(() => clearTimeout(timer));
  if (s === null) {
    starting.catch(() => {}); // read by the stream below; never an unhandled rejection meanwhile
    const target = decision.targets[0]!;
    async function* later(): AsyncGenerator<ChatCompletionChunk> {
      yield* (await starting).chunks;
    }
    const headers = noteIgnoredCitations(gatewayHeaders({ overheadMs: opts.clock.overhead(), target, decision, requestId }), req);
    return { kind: 'stream', body: anthropicEvents(later(), req.model, chat, shape), headers };
  }

  const headers = noteIgnoredCitations(gatewayHeaders({ overheadMs: opts.clock.overhead(), target: s.target, decision, requestId }), req);
  const { chunks } = await readAhead(s.chunks);
  return { kind: 'stream', body: anthropicEvents(chunks, req.model, chat, shape, s.upstreamUsage()), headers };
}

/** How the answer is shaped: its message id, the client's stop sequences, the ping interval, the client's tool names. */
interface MessageShape {
  id: string;
  stops: string[] | undefined;
  pingMs?: number;
  toolName: (name: string) => string;
}

/**
 * Chat chunks -> Anthropic's event sequence (message_start with `model`, pings while the upstream
 * is silent, output estimated from the prompt when the upstream reports no usage).
 *
 * Anthropic's message_start carries the prompt's tokens, and clients read them there (LangChain's
 * ChatAnthropic only there; Claude Code shows the context size from it); most chat upstreams report
 * them only at the end. So message_start says the prompt counts the upstream reported with its
 * first chunk (`early`: Gemini's usageMetadata, cache hits apart as Anthropic reports them), else an
 * approximation of the translated prompt, and message_delta the upstream's exact counts, which the
 * SDKs' final message takes (the Anthropic SDK overwrites input and cache tokens with
 * message_delta's, as newer API versions send them). Without the upstream's counts, message_delta's
 * estimate counts the tool definitions too, as message_start's approximation and count_tokens do:
 * left out, the final input_tokens fell below message_start's by all of Claude Code's tools.
 */
function anthropicEvents(chunks: AsyncGenerator<ChatCompletionChunk>, model: string, chat: ChatRequest, o: MessageShape, early: Usage | null = null): ReadableStream<Uint8Array> {
  const messages = chat.messages as any[];
  const usage = early
    ? toAnthropicUsage({ ...early, output: 0, reasoning: 0 })
    : { ...toAnthropicUsage(null), input_tokens: approximatePromptTokens(messages, chat.tools) };
  const skeleton = {
    id: o.id, type: 'message' as const, role: 'assistant' as const, model,
    stop_reason: null, stop_sequence: null, stop_details: null, usage,
  };
  return messageEventStream(chunks, new MessageStreamBridge(skeleton, o.stops, o.toolName), { pingMs: o.pingMs, estimate: (delivered) => estimateSampled(messages, delivered, undefined, chat.tools) });
}

const isNative = (t: RouteTarget) => t.provider === 'anthropic';

/** The share of max_tokens a thinking budget takes (a capped translated target's thinking keeps it, AttemptInput.thinkingShare). */
function thinkingShareOf(req: MessagesRequest): number | undefined {
  const t = req.thinking;
  return t?.type === 'enabled' && typeof t.budget_tokens === 'number' && req.max_tokens > 0 ? t.budget_tokens / req.max_tokens : undefined;
}

/**
 * The chat request for the decision's non-Anthropic targets (translated for the first of them),
 * and the targets to try. When the translation refuses something (server tools, containers, …)
 * that only Anthropic honours and the decision has Anthropic targets, those are the ones tried;
 * with none, the refusal is the answer. Anthropic targets need no translation: the pipeline then
 * carries the client's own body (its model, stream flag and messages are what the row, a stored
 * body and any prompt estimate read; the adapter sends ChatCallContext.nativeMessages).
 *
 * The translation depends on the provider and model (thinking becomes that one's reasoning
 * setting, top_k goes where it is read, thinking text goes back where it is needed), so a group's
 * target of another provider or model gets the request translated for itself (`bodyFor`), made
 * when the walk reaches it; none when every translated target is the first's provider and model.
 */
function translateForTargets(req: MessagesRequest, decision: RouteDecision, beta?: string): { chat: ChatRequest; decision: RouteDecision; bodyFor?: ChatRunOptions['bodyFor'] } {
  const other = decision.targets.find((t) => !isNative(t));
  const bare = req as unknown as ChatRequest;
  if (!other) return { chat: bare, decision };
  try {
    const providers = decision.targets.filter((t) => !isNative(t)).map((t) => t.provider);
    const forTarget = (t: RouteTarget) => messagesToChat(req, { model: req.model, provider: t.provider, upstreamModel: t.upstreamModel, providers, beta });
    const own = (t: RouteTarget) => !isNative(t) && (t.provider !== other.provider || t.upstreamModel !== other.upstreamModel);
    const bodyFor = decision.targets.some(own) ? (t: RouteTarget) => (own(t) ? forTarget(t) : undefined) : undefined;
    return { chat: forTarget(other), decision, bodyFor };
  } catch (err) {
    if (!decision.targets.some(isNative)) throw err;
    // keepTargets keeps each target's path beside it, so the route reported names the model that answered.
    return { chat: bare, decision: keepTargets(decision, isNative, 'the request can only be served natively by Anthropic')! };
  }
}

const sseEncoder = new TextEncoder();

/** A stream failing midway ends with Anthropic's `event: error` (unless Anthropic's own already went out). */
function anthropicStreamError(e: ApiError): Uint8Array[] {
  if (alreadyRelayed(e)) return [];
  const body = toAnthropicError(e).body;
  return [sseEncoder.encode(`event: error\ndata: ${JSON.stringify(body)}\n\n`)];
}

/**
 * A decision with Anthropic targets: one walk over all of them (fallback, breakers and key pools
 * as on chat, one log row). An Anthropic target answers in its own bytes, relayed unchanged but
 * for the answer's `model`, the client's name for it (as a translated answer has); any
 * other answers in chat form, translated here as on the plain path. The stream is opened once the
 * first upstream byte arrived (Anthropic sends message_start at once; no early skeleton, which
 * would clash with Anthropic's own).
 */
async function nativeOrTranslated(
  ctx: AppContext,
  req: MessagesRequest,
  chat: ChatRequest,
  run: ChatRunOptions & { requestId: string },
  o: MessageShape,
): Promise<EndpointAnswer> {
  const stream = req.stream === true;
  const r = await startChat(ctx, { ...chat, stream }, { ...run, forceStreamUsage: true, streamErrorBytes: anthropicStreamError });
  // A translated fallback's answer says what it left out; Anthropic's own answer cites.
  const headers = isNative(r.target) ? r.headers : noteIgnoredCitations(r.headers, req);
  if (r.kind === 'json') {
    // Anthropic's bytes, named as the client named the model (answer-model.ts) when that is not the id sent.
    if (isNative(r.target) && r.raw) return { kind: 'json', body: utf8.decode(req.model === r.target.upstreamModel ? r.raw : answerNamed(r.raw, req.model)), headers };
    const messages = chat.messages as any[];
    const usage = await usageOrEstimate(r.usage, messages, completionText(r.completion), undefined, chat.tools);
    const message = chatToMessage(r.completion, { id: o.id, model: req.model, usage, stopSequences: o.stops, toolName: o.toolName });
    return { kind: 'json', body: JSON.stringify(message), headers };
  }
  if (isNative(r.target)) return { kind: 'stream', body: r.body, headers };
  // A translated fallback: chat chunks -> Anthropic events, as on the plain path.
  const { chunks } = await readAhead(chatChunks(r.body, r.ended));
  return { kind: 'stream', body: anthropicEvents(chunks, req.model, chat, o), headers };
}
