import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { admitRequest, withLimitHeaders } from '../limits/admit-request';
import { toErrorResponse } from '../errors/api-error';
import { RequestClock } from '../proxy/request-clock';
import type { ClientEntry } from '../state/snapshot-types';
import { nativeCapable, type NativeContext } from './native-routes';
import { readJsonBody } from './request-validation-body';

/** OpenAI's error shape as a Response (routes answer errors themselves, without Elysia's parse). */
export function errorResponse(err: unknown, extra: Record<string, string> = {}): Response {
  const r = toErrorResponse(err);
  if (r.status === 500 && !(err as any)?.status) console.error('[gophergate] chat error:', (err as any)?.message ?? err);
  return new Response(JSON.stringify(r.body), {
    status: r.status,
    headers: { 'content-type': 'application/json', ...r.headers, ...extra },
  });
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies in front of the gateway not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** What an OpenAI endpoint's handler gets once the prelude passed. */
export interface OpenAIRequest<T> {
  request: Request;
  client: ClientEntry;
  /** Started when the request arrived, so auth and body parsing count as gateway overhead. */
  clock: RequestClock;
  body: T;
  /** The id of this request's log row: a limited key's reservation is settled by it. */
  requestId: string;
}

export interface OpenAIPostOptions<T> {
  /** Turns the parsed JSON into the endpoint's request; throws a 400 ApiError. */
  validate?: (body: unknown) => T;
  /** Called when an authenticated client's body is unreadable or invalid (e.g. to log the refusal). */
  onRejected?: (err: unknown, body: unknown, r: { client: ClientEntry; clock: RequestClock }) => void;
}

/**
 * The prelude every POST /v1/* endpoint shares: lift Bun's socket idle limit, start the clock,
 * authenticate the client key, read the body under the size cap as JSON (413/400 as OpenAI
 * answers them), then run the endpoint. Anything thrown becomes OpenAI's error shape.
 */
export function openaiPost<T = unknown>(
  ctx: AppContext,
  run: (r: OpenAIRequest<T>) => Promise<Response>,
  opts: OpenAIPostOptions<T> = {},
) {
  const maxBytes = ctx.config.server.maxBodyMb * 1024 * 1024;
  return nativeCapable(async ({ request, server }: NativeContext) => {
    // LLM answers and image models take minutes; the upstream timeouts govern, not Bun's 10 s socket idle limit.
    server?.timeout(request, 0);
    const clock = new RequestClock();
    let limitHeaders: Record<string, string> | undefined;
    let requestId = '';
    try {
      const client = authenticateClient(ctx.state.getSnapshot(), request.headers.get('authorization'));
      let raw: unknown = null;
      let body: T;
      try {
        raw = await readJsonBody(request, maxBytes);
        body = opts.validate ? opts.validate(raw) : (raw as T);
      } catch (err) {
        opts.onRejected?.(err, raw, { client, clock });
        throw err;
      }
      requestId = crypto.randomUUID();
      // Key and team limits (src/limits/): throws the refusal, or reserves until the row settles.
      if (client.limits) {
        const grant = admitRequest(ctx, client, { request, body: raw, requestId, clock });
        limitHeaders = (grant instanceof Promise ? await grant : grant)?.headers;
      }
      const res = await run({ request, client, clock, body, requestId });
      return limitHeaders ? withLimitHeaders(res, limitHeaders) : res;
    } catch (err) {
      if (limitHeaders) ctx.limits.release(requestId);
      // The error's row carries this id too (the endpoints log with the prelude's id).
      return errorResponse(err, requestId ? { ...limitHeaders, 'x-request-id': requestId } : limitHeaders);
    }
  });
}
