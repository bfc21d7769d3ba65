import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import { gatewayHeaders } from '../images/passthrough-log-record';
import type { ChatCompletionChunk, ChatRequest } from '../providers/types';
import { logRejectedChat, type ChatRunOptions } from '../proxy/chat-runner';
import type { RequestClock } from '../proxy/request-clock';
import { routeChat } from '../proxy/route-chat';
import { runChatCompletion, streamChatCompletion } from '../proxy/run-chat-completion';
import { classifierCallModel } from '../responses/classifier-call-model';
import type { RouteDecision } from '../routing';
import { estimateUsage } from '../usage/estimate-usage';
import type { MessagesRequest } from './anthropic-types';
import { claudeModelAlias } from './claude-model-alias';
import { chatToMessage, newMessageId, toAnthropicUsage } from './chat-to-message';
import { DEFAULT_PING_MS, messageEventStream } from './message-event-stream';
import { MessageStreamBridge } from './message-stream-bridge';
import { messagesToChat } from './messages-to-chat';

/** The error with the request id the answer's x-request-id header names (ApiErrors only; others stay as they are). */
function tagged(err: unknown, requestId: string): unknown {
  return err instanceof ApiError ? Object.assign(err, { requestId }) : err;
}

export type MessagesAnswer =
  | { kind: 'json'; body: string; headers: Record<string, string> }
  | { kind: 'stream'; body: ReadableStream<Uint8Array>; headers: Record<string, string> };

export interface CreateMessageOptions {
  clientId: number | null;
  signal?: AbortSignal;
  clock: RequestClock;
  /** Silence before a `ping` on streams (default 10 s). */
  pingMs?: number;
  /** The client's `anthropic-version` / `anthropic-beta` headers: for a native Anthropic upstream only. */
  anthropicHeaders?: Record<string, string>;
  /** The log row's id (the /v1 prelude's, which a limited key's reservation waits on). */
  requestId?: string;
}

/**
 * Where a provider that speaks the Messages API natively would take the request as it came
 * (body, cache_control and anthropic-beta untouched). No such provider is registered on this
 * branch, so every target goes through the chat translation.
 */
export type NativeMessages = (decision: RouteDecision, req: MessagesRequest, opts: CreateMessageOptions & { requestId: string }) => Promise<MessagesAnswer> | null;

/**
 * POST /v1/messages over the chat pipeline: route the model as chat does (groups, fallback,
 * breakers), translate the request for the first target's provider, run it as a chat completion
 * (one log row, endpoint `messages`) and answer in Anthropic's format, JSON or SSE. A request
 * refused before the chat call (routing, translation) is logged here. Throws ApiError, with
 * `requestId` for the x-request-id header.
 */
export async function createMessage(ctx: AppContext, req: MessagesRequest, opts: CreateMessageOptions, native?: NativeMessages): Promise<MessagesAnswer> {
  const requestId = opts.requestId ?? crypto.randomUUID();
  let chat: ChatRequest;
  let decision: RouteDecision;
  try {
    // Routing reads message text loosely, so the Anthropic body serves as it is.
    const routed = claudeModelAlias(req.model, ctx.state.getSnapshot()) ?? req.model;
    decision = await routeChat(ctx, { ...req, model: routed } as unknown as ChatRequest, classifierCallModel(ctx, requestId, opts.clientId), opts.signal);
  } catch (err) {
    logRejectedChat(ctx, err, req, { clientId: opts.clientId, clock: opts.clock, endpoint: 'messages', requestId });
    throw tagged(err, requestId);
  }
  // A native provider logs its own row.
  const nativeAnswer = native?.(decision, req, { ...opts, requestId });
  if (nativeAnswer) return nativeAnswer;
  try {
    const first = decision.targets[0];
    chat = messagesToChat(req, { model: req.model, provider: first?.provider ?? 'unknown', upstreamModel: first?.upstreamModel ?? req.model });
  } catch (err) {
    logRejectedChat(ctx, err, req, { clientId: opts.clientId, clock: opts.clock, endpoint: 'messages', requestId });
    throw tagged(err, requestId);
  }
  const run: ChatRunOptions = { clientId: opts.clientId, signal: opts.signal, endpoint: 'messages', requestId, clock: opts.clock, decision };
  const id = newMessageId();
  const stops = req.stop_sequences ?? undefined;

  if (!req.stream) {
    const r = await runChatCompletion(ctx, chat, run).catch((err) => Promise.reject(tagged(err, requestId)));
    const message = chatToMessage(r.completion, { id, model: r.completion.model || r.target.upstreamModel, usage: r.usage, stopSequences: stops });
    const headers = gatewayHeaders({ overheadMs: opts.clock.overhead(), target: r.target, decision, requestId });
    return { kind: 'json', body: JSON.stringify(message), headers };
  }

  const messages = chat.messages as any[];
  const streamOpts = { pingMs: opts.pingMs, estimate: (text: string) => estimateUsage(messages, text) };
  const skeleton = (model: string) => ({
    id, type: 'message' as const, role: 'assistant' as const, model,
    stop_reason: null, stop_sequence: null, stop_details: null, usage: toAnthropicUsage(null),
  });
  const starting = streamChatCompletion(ctx, chat, run);
  // Most upstreams answer (or fail) within moments: then the client gets their status as a plain
  // HTTP error, as Anthropic answers. A model that thinks long before its first token would
  // leave the connection silent (proxies in front drop idle ones), so past one ping interval the
  // stream is opened with message_start and kept alive with pings; a failure after that arrives
  // as `event: error`.
  let timer: Timer | undefined;
  const waited = new Promise<null>((r) => (timer = setTimeout(() => r(null), opts.pingMs ?? DEFAULT_PING_MS)));
  const s = await Promise.race([starting, waited])
    .catch((err) => Promise.reject(tagged(err, requestId)))
    .finally(() => clearTimeout(timer));
  if (s === null) {
    starting.catch(() => {}); // read by the stream below; never an unhandled rejection meanwhile
    const target = decision.targets[0]!;
    async function* later(): AsyncGenerator<ChatCompletionChunk> {
      yield* (await starting).chunks;
    }
    const headers = gatewayHeaders({ overheadMs: opts.clock.overhead(), target, decision, requestId });
    return { kind: 'stream', body: messageEventStream(later(), new MessageStreamBridge(skeleton(target.upstreamModel), stops), streamOpts), headers };
  }

  const started = s;
  const headers = gatewayHeaders({ overheadMs: opts.clock.overhead(), target: started.target, decision, requestId });
  // The first chunk is already here: it names the model the way the non-stream answer does.
  let head: IteratorResult<ChatCompletionChunk> | undefined;
  let headError: unknown;
  try {
    head = await started.chunks.next();
  } catch (err) {
    headError = err;
  }
  const model = (head && !head.done && head.value.model) || started.target.upstreamModel;
  async function* all(): AsyncGenerator<ChatCompletionChunk> {
    if (headError !== undefined) throw headError;
    if (!head || head.done) return;
    yield head.value;
    yield* started.chunks;
  }
  const body = messageEventStream(all(), new MessageStreamBridge(skeleton(model), stops), streamOpts);
  return { kind: 'stream', body, headers };
}
