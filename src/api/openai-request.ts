import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { storeBusyOr } from '../db/sqlite-write-failure';
import { ApiError, toErrorResponse } from '../errors/api-error';
import { keepAliveHint } from '../http/keep-alive-hint';
import { PACED_FROM_BYTES, pacedBody } from '../http/paced-body';
import { withHeaders } from '../http/with-headers';
import { admitRequest } from '../limits/admit-request';
import type { OutputCap } from '../proxy/output-limit';
import type { EndpointAnswer } from '../proxy/endpoint-types';
import { toAnthropicError } from '../messages/anthropic-errors';
import { openaiOverflowError } from '../errors/context-overflow';
import { logRejectedChat } from '../proxy/chat-pipeline';
import { checkForwardedHeaders } from '../proxy/forward-headers';
import { RequestClock } from '../proxy/request-clock';
import { withDeadline } from '../runtime/deadline';
import { clientClosed, clientStalled } from '../proxy/upstream-errors';
import type { Endpoint } from '../proxy/request-outcome';
import type { ClientEntry, RuntimeSnapshot } from '../state/snapshot-types';
import { readJsonBody } from './request-validation-body';
import type { V1Handler, V1Server } from './v1-route-types';
import { newRequestId } from '../proxy/request-id';

const CLOSE = { connection: 'close' };

/** The /v1 handlers (openaiPost) that announce their connection's idle limit themselves: v1Answer leaves theirs. */
export const ANNOUNCES_KEEP_ALIVE = new WeakSet<V1Handler>();

const bodyTimeout = (s: number) =>
  new ApiError({ status: 408, message: `The request body did not arrive within ${s} s (LLM_PROXY__SERVER__BODY_TIMEOUT_S).`, code: 'request_timeout' });


/** Bun's largest socket idle limit, in seconds. */
const MAX_SOCKET_IDLE_S = 255;

/** The socket idle limit after a stream: a little past the upstream idle timeout, so the relay acts first (respond). */
const idleAfterStreamS = (ctx: AppContext) =>
  Math.min(MAX_SOCKET_IDLE_S, Math.max(ctx.config.server.keepAliveTimeoutS, Math.ceil(ctx.config.upstream.idleTimeoutS) + 5));

const utf8 = new TextEncoder();

/** What an endpoint answers: a stream (its relay watches the delivery and writes the row at its end), or a whole JSON body. */
export type V1Answer =
  /** `stream` as its bytes when the whole answer had arrived (stream-relay.ts Relayed.whole): sent with the stream's headers. */
  | { stream: ReadableStream<Uint8Array> | Uint8Array; headers: Record<string, string> }
  /** `json` as text, its bytes, or its bytes in pieces, sent in order (a large embeddings answer: embedding-body.ts). */
  | { json: string | Uint8Array<ArrayBuffer> | Uint8Array<ArrayBuffer>[]; headers: Record<string, string> };

/** An endpoint's work's answer (createMessage, createResponse) as its route gives it to the prelude. */
export const v1AnswerOf = (r: EndpointAnswer): V1Answer => (r.kind === 'json' ? { json: r.body, headers: r.headers } : { stream: r.body, headers: r.headers });

/**
 * The answer as it goes out. Bun's idle limit, lifted for the upstream wait, applies again, so the
 * connection, kept alive after it, is closed once idle: the keep-alive limit after a whole answer;
 * after a stream a little past the upstream idle timeout, so the relay (which ends a silent stream
 * with an error event and its row) acts before Bun would cut the socket. The held row is released
 * once the body is out. A large whole answer goes out paced (http/paced-body.ts): a client that
 * takes none of it for the idle timeout has its connection closed, and its row says 499
 * `client_read_timeout`; one that hangs up before the end, 499 `client_closed_request`.
 */
function respond(ctx: AppContext, answer: V1Answer, r: { request: Request; server: V1Server; requestId: string; dropClient: () => void }): Response {
  const keepAliveS = ctx.config.server.keepAliveTimeoutS;
  const { idleTimeoutS } = ctx.config.upstream;
  if ('stream' in answer) {
    const idleS = idleAfterStreamS(ctx);
    r.server?.timeout(r.request, idleS);
    ctx.deliveries.delivered(r.requestId, null);
    return new Response(answer.stream as BodyInit, { headers: { ...answer.headers, ...SSE_HEADERS, 'keep-alive': keepAliveHint(idleS) } });
  }
  r.server?.timeout(r.request, keepAliveS);
  const headers = { ...answer.headers, 'content-type': 'application/json', 'keep-alive': keepAliveHint(keepAliveS) };
  const json = answer.json;
  // A string of fewer than a third as many characters cannot reach the threshold in UTF-8.
  const bytes = Array.isArray(json) ? json : json.length < PACED_FROM_BYTES / 3 ? null : typeof json === 'string' ? utf8.encode(json) : json;
  if (!bytes || byteLength(bytes) < PACED_FROM_BYTES) {
    ctx.deliveries.delivered(r.requestId, null);
    return new Response(Array.isArray(json) ? new Blob(json) : json, { headers });
  }
  const body = pacedBody(bytes, idleTimeoutS * 1000, (how) => {
    const e = how === 'stalled' ? clientStalled(idleTimeoutS, 'the answer') : how === 'closed' ? clientClosed() : null;
    ctx.deliveries.delivered(r.requestId, e && { status: e.status, errorType: e.code, error: e.message });
    if (how === 'stalled') r.dropClient();
  });
  return new Response(body, { headers });
}

const byteLength = (b: Uint8Array | readonly Uint8Array[]) => (b instanceof Uint8Array ? b.length : b.reduce((n, p) => n + p.length, 0));

/** The request field a prompt over the model's window is in, where it is not chat's `messages`. */
const OVERFLOW_PARAM: Partial<Record<Endpoint, 'input' | 'prompt'>> = { responses: 'input', embeddings: 'input', images: 'prompt' };

/** Which API's conventions an endpoint speaks (see OpenAIPostOptions.dialect). */
type Dialect = 'openai' | 'anthropic';

/**
 * Anything thrown as a Response in the endpoint's error shape: OpenAI's, or Anthropic's for
 * POST /v1/messages and count_tokens (routes answer errors themselves, without Elysia's parse).
 */
export function errorResponse(err: unknown, extra: Record<string, string> = {}, dialect: Dialect = 'openai', endpoint?: Endpoint): Response {
  // SQLite busy past busy_timeout (or its disk full): /api's 503 store_busy, not a 500.
  err = storeBusyOr(err);
  const r = dialect === 'anthropic' ? toAnthropicError(err) : toErrorResponse(err);
  // A translated provider's "prompt too long" in OpenAI's code and words (see context-overflow.ts),
  // naming the field OpenAI names on that endpoint (Responses: `input`, images: `prompt`, chat: `messages`).
  const overflow = dialect === 'openai' ? openaiOverflowError(err, (endpoint && OVERFLOW_PARAM[endpoint]) ?? 'messages') : null;
  if (overflow) r.body = { error: overflow };
  if (r.status === 500 && !(err as any)?.status) console.error(`[gophergate] ${dialect === 'anthropic' ? 'messages' : 'chat'} error:`, (err as any)?.message ?? err);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...r.headers, ...extra };
  // Anthropic's SDKs read the id from `request-id`; a refusal logged before the prelude named the
  // request (a body that is not JSON, or invalid) carries its row's id only as x-request-id.
  if (dialect === 'anthropic' && headers['x-request-id']) headers['request-id'] = headers['x-request-id'];
  return new Response(JSON.stringify(r.body), { status: r.status, headers });
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies in front of the gateway not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** What an OpenAI endpoint's handler gets once the prelude passed. */
export interface OpenAIRequest<T> {
  request: Request;
  client: ClientEntry;
  /**
   * The team the request is admitted under: the key's as authenticated (null: none). Its row is
   * billed there (RequestMeta.teamId), even when an admin moves the key while it runs.
   */
  teamId: number | null;
  /** Started when the request arrived, so auth and body parsing count as gateway overhead. */
  clock: RequestClock;
  body: T;
  /** The id of this request's log row: a limited key's reservation is settled by it. */
  requestId: string;
  /** Closes the client's connection: it stopped reading a stream and was dropped (see OpenUpstreamOptions.dropClient). */
  dropClient: () => void;
  /** The max_tokens a small budget affords each target, for a request that named none (LimitGrant.outputCap). */
  outputCap?: OutputCap;
}

export interface OpenAIPostOptions<T> {
  /**
   * The endpoint of the log row: an authenticated client's request refused here (body too large,
   * too slow, not JSON, invalid) is logged under it, so every such request has its row and its
   * `x-request-id` whichever endpoint it was sent to.
   */
  endpoint: Endpoint;
  /**
   * Turns the parsed JSON into the endpoint's request; throws a 400 ApiError. Required: it runs
   * before admission, so a body the endpoint would refuse counts against none of the key's limits
   * (RPM, TPM, budget) and its row is logged here, under `endpoint`.
   */
  validate: (body: unknown) => T;
  /**
   * Which API's conventions the endpoint speaks: 'anthropic' answers errors in Anthropic's shape
   * and also takes the client key as `x-api-key` (Anthropic SDKs and Claude Code send it there).
   */
  dialect?: Dialect;
}

const ANTHROPIC_KEY_HINT = '"x-api-key: <key>" (or "Authorization: Bearer <key>")';

/**
 * The request's client (throws the 401). Anthropic's clients may send their key as x-api-key
 * (Authorization decides when both come), and are told so.
 */
export function clientOf(snap: RuntimeSnapshot, request: Request, dialect: Dialect | undefined): ClientEntry {
  const authorization = request.headers.get('authorization');
  if (dialect !== 'anthropic') return authenticateClient(snap, authorization);
  if (authorization) return authenticateClient(snap, authorization, ANTHROPIC_KEY_HINT);
  const key = request.headers.get('x-api-key');
  return authenticateClient(snap, key ? `Bearer ${key.trim()}` : null, ANTHROPIC_KEY_HINT, 'x-api-key');
}

/**
 * The prelude every POST /v1/* endpoint shares, the first two steps of the request pipeline
 * (proxy/chat-pipeline.ts): start the clock; authenticate the client key, lift Bun's socket idle
 * limit, read the body under the size cap and the body deadline as JSON (413/408/400 as OpenAI
 * answers them) and validate it; give the request its id and admit it under the key's limits, then
 * run the endpoint. Anything thrown becomes the endpoint's error shape.
 */
export function openaiPost<T>(
  ctx: AppContext,
  run: (r: OpenAIRequest<T>) => Promise<V1Answer>,
  opts: OpenAIPostOptions<T>,
): V1Handler {
  const maxBytes = ctx.config.server.maxBodyMb * 1024 * 1024;
  const bodyTimeoutMs = ctx.config.server.bodyTimeoutS * 1000;
  // An error answer leaves the connection open under the keep-alive limit, unless it closes it.
  const keepOpen = { 'keep-alive': keepAliveHint(ctx.config.server.keepAliveTimeoutS) };
  const handler: V1Handler = async (request, server, key) => {
    const clock = new RequestClock(ctx.requestClock());
    let limitHeaders: Record<string, string> | undefined;
    let outputCap: OutputCap | undefined;
    let requestId = '';
    try {
      // The key first: until it is known good, Bun's socket idle limit stays on, so a request
      // that never sends its body cannot hold the connection.
      const client = clientOf(ctx.state.getSnapshot(), request, opts.dialect);
      clock.clientId = client.id;
      // Every answer from here on is this key's: v1Answer adds its rate headers to the ones not admitted.
      key.limits = client.limits;
      key.anthropic = opts.dialect === 'anthropic';
      // Before the body (a slow upload may cross midnight): the budget period is the one its row's created_at is in.
      const startedAt = client.limits ? ctx.limits.now() : 0;
      let raw: unknown = null;
      let body: T;
      try {
        // Bun's idle limit is lifted from here on: it is not reset by body bytes, so it would cut a
        // body still arriving (a slow upload) once the keep-alive limit passed, with no answer and
        // a row blaming the client. The deadline bounds the body, silent or trickling; after it,
        // LLM answers and image models take minutes: the upstream timeouts govern.
        server?.timeout(request, 0);
        raw = await withDeadline(readJsonBody(request, maxBytes), bodyTimeoutMs, () => bodyTimeout(ctx.config.server.bodyTimeoutS));
        body = opts.validate(raw);
        checkForwardedHeaders(request.headers);
      } catch (err) {
        logRejectedChat(ctx, err, raw, { clientId: client.id, teamId: client.limits?.teamId, clock, endpoint: opts.endpoint });
        throw err;
      }
      requestId = newRequestId();
      // Key and team limits (src/limits/): throws the refusal, or reserves until the row settles.
      if (client.limits) {
        const grant = admitRequest(ctx, client, { request, body: raw, requestId, clock, startedAt });
        const granted = grant instanceof Promise ? await grant : grant;
        limitHeaders = granted?.headers;
        outputCap = granted?.outputCap;
      }
      // Bun keeps a connection open while it has bytes its client does not take, an errored body
      // or not: a client dropped for not reading is cut by Bun's idle limit, 1 s (+ its 4 s tick).
      const dropClient = () => server?.timeout(request, 1);
      // A whole answer's row waits until its body went out (respond).
      ctx.deliveries.hold(requestId);
      const answer = await run({ request, client, teamId: client.limits?.teamId ?? null, clock, body, requestId, dropClient, outputCap });
      const res = respond(ctx, answer, { request, server, requestId, dropClient });
      // Anthropic's SDKs read a request's id from `request-id` (`_request_id`): the log row's id, as in x-request-id.
      const extra = opts.dialect === 'anthropic' ? { ...limitHeaders, 'request-id': requestId } : limitHeaders;
      return extra ? withHeaders(res, extra) : res;
    } catch (err) {
      server?.timeout(request, ctx.config.server.keepAliveTimeoutS);
      if (requestId) ctx.deliveries.delivered(requestId, null);
      if (limitHeaders) ctx.limits.release(requestId);
      // A refusal before the body was (fully) read (bad key, too large, too slow): close the connection
      // instead of waiting for the rest of a body nobody will read.
      // The gateway stopping (503 shutting_down) closes it too: no next request will be served on it.
      const closes = (request.body && !request.bodyUsed) || (err instanceof ApiError && (err.status === 408 || err.status === 413 || err.code === 'shutting_down'));
      // The error's row carries this id too (the endpoints log with the prelude's id); errorResponse
      // copies it to Anthropic's `request-id`.
      const ids: Record<string, string> = requestId ? { 'x-request-id': requestId } : {};
      const extra = { ...(closes ? CLOSE : keepOpen), ...limitHeaders, ...ids };
      return errorResponse(err, extra, opts.dialect, opts.endpoint);
    }
  };
  ANNOUNCES_KEEP_ALIVE.add(handler);
  return handler;
}
