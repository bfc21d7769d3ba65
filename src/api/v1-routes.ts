import { Elysia, type DocumentDecoration } from 'elysia';
import type { AppContext } from '../context';
import { hostIsValid, invalidHost } from '../http/host-header';
import { keepAliveHint } from '../http/keep-alive-hint';
import { withHeaders } from '../http/with-headers';
import { CORS_HEADERS } from '../http/v1-cors-headers';
import { withRateHeaders, type AnswerKey } from '../limits/answer-rate-headers';
import { isAnthropicClient, isAnthropicPath } from './anthropic-client';
import { chatCompletionsRoute } from './chat-routes';
import { embeddingsRoute } from './embeddings-routes';
import { imagesRoute } from './images-routes';
import { countTokensRoute, messagesRoute } from './messages-routes';
import { modelRoute, modelsRoute } from './models-routes';
import { ANNOUNCES_KEEP_ALIVE, errorResponse } from './openai-request';
import { V1_OPENAPI, V1_QUERY } from './openapi-v1-docs';
import { cancelResponseRoute, deleteResponseRoute, inputItemsRoute, retrieveResponseRoute } from './responses-retrieval-routes';
import { createResponseRoute } from './responses-routes';
import { compactRoute, inputTokensRoute } from './responses-side-routes';
import type { V1Handler, V1Route, V1Server } from './v1-route-types';

/** A /v1 endpoint as served (wrapped by v1Answer), as Bun's router calls it. */
export type ServedHandler = (request: Request, server: V1Server) => Response | Promise<Response>;

type V1Method = 'GET' | 'POST' | 'DELETE';
/** Every /v1 endpoint as served: path -> method -> the wrapped handler and its OpenAPI entry. */
export type V1Table = Record<string, Partial<Record<V1Method, { handler: ServedHandler; detail: DocumentDecoration }>>>;

/**
 * What every /v1 answer gets, wherever it is called from: the Host check (Bun's router runs no
 * Elysia hook, so http/host-header.ts is applied here), the CORS headers, anything thrown as
 * OpenAI's error JSON (the POST endpoints answer their own errors, Anthropic's for /v1/messages),
 * and, once the handler knew the key, the key's rate headers (limits/answer-rate-headers.ts): the
 * one place they are added to answers that were not admitted (reads, refusals before admission).
 * `open` is the CORS headers plus the `Keep-Alive` hint of the keep-alive limit, which applies
 * after these answers; the POST endpoints (openaiPost) set their own hint (a stream's limit is longer).
 */
function v1Answer(ctx: AppContext, handler: V1Handler, open: Record<string, string>, path: string): ServedHandler {
  const headers = ANNOUNCES_KEEP_ALIVE.has(handler) ? CORS_HEADERS : open;
  // In the endpoint's shape (README): Anthropic's on /v1/messages and under it, the client's on the
  // model list, OpenAI's elsewhere whatever the headers. The Host refusal on /v1/messages was
  // OpenAI's, which Anthropic's SDKs cannot read.
  const anthropic = (request: Request) => isAnthropicPath(path) || (path.startsWith('/v1/models') && isAnthropicClient(request));
  const failed = (request: Request, err: unknown) => withHeaders(errorResponse(err, {}, anthropic(request) ? 'anthropic' : 'openai'), open);
  return (request, server) => {
    if (!hostIsValid(request)) return failed(request, invalidHost());
    const key: AnswerKey = { limits: null, anthropic: false };
    const out = (res: Response) => (key.limits ? withRateHeaders(ctx, key, withHeaders(res, headers)) : withHeaders(res, headers));
    const outFailed = (err: unknown) => (key.limits ? withRateHeaders(ctx, key, failed(request, err)) : failed(request, err));
    try {
      const r = handler(request, server, key);
      return r instanceof Promise ? r.then(out, outFailed) : out(r);
    } catch (err) {
      return outFailed(err);
    }
  };
}

/** Every /v1 endpoint (OPTIONS preflight aside: api/cors-routes.ts), each wrapped by v1Answer. */
export function v1Routes(ctx: AppContext): V1Table {
  const table: Record<string, Partial<Record<V1Method, V1Route>>> = {
    '/v1/chat/completions': { POST: chatCompletionsRoute(ctx) },
    '/v1/responses': { POST: createResponseRoute(ctx) },
    '/v1/responses/input_tokens': { POST: inputTokensRoute(ctx) },
    '/v1/responses/compact': { POST: compactRoute(ctx) },
    '/v1/responses/:id': { GET: retrieveResponseRoute(ctx), DELETE: deleteResponseRoute(ctx) },
    '/v1/responses/:id/input_items': { GET: inputItemsRoute(ctx) },
    '/v1/responses/:id/cancel': { POST: cancelResponseRoute(ctx) },
    '/v1/images/generations': { POST: imagesRoute(ctx) },
    '/v1/embeddings': { POST: embeddingsRoute(ctx) },
    '/v1/messages': { POST: messagesRoute(ctx) },
    '/v1/messages/count_tokens': { POST: countTokensRoute(ctx) },
    '/v1/models': { GET: modelsRoute(ctx) },
    '/v1/models/*': { GET: modelRoute(ctx) },
  };
  const open = { ...CORS_HEADERS, 'keep-alive': keepAliveHint(ctx.config.server.keepAliveTimeoutS) };
  const served: V1Table = {};
  for (const [path, methods] of Object.entries(table)) {
    served[path] = {};
    for (const [method, route] of Object.entries(methods))
      served[path][method as V1Method] = {
        handler: v1Answer(ctx, route.handler, open, path),
        // Request and response schemas (openapi-v1-docs.ts); `/v1/models/*` is documented by hand as `/v1/models/{model}`.
        detail: path === '/v1/models/*' ? { hide: true } : { security: [{ clientKey: [] }], ...route.detail, ...V1_OPENAPI[`${method} ${path}`] },
      };
  }
  return served;
}

/**
 * The table in `Bun.serve({ routes })`'s shape. Bun's router calls these without Elysia's
 * per-request pipeline (context, hooks, response mapping): serving /v1 through Elysia instead
 * costs 12-26 % more CPU per request (BENCHMARKS.md, "/v1 through Bun's router or Elysia").
 */
export function bunRoutes(table: V1Table): Record<string, Partial<Record<V1Method, ServedHandler>>> {
  const routes: Record<string, Partial<Record<V1Method, ServedHandler>>> = {};
  for (const [path, methods] of Object.entries(table)) {
    routes[path] = {};
    for (const [method, route] of Object.entries(methods)) routes[path][method as V1Method] = route.handler;
  }
  return routes;
}

/**
 * The same table mounted in Elysia: the OpenAPI document, `app.handle`, 404 for other methods,
 * and the requests Bun's router leaves to Elysia (a trailing slash) use the same handlers.
 * The body is read by the handlers (`parse: 'none'`): malformed JSON must be OpenAI's 400, not a 422.
 */
export function v1Plugin(table: V1Table) {
  const app = new Elysia({ name: 'v1-routes' });
  for (const [path, methods] of Object.entries(table))
    for (const [method, route] of Object.entries(methods))
      // `query` (loose strings) only documents what the handler reads from the URL itself.
      app.route(method, path, ({ request, server }) => route.handler(request, server), { parse: 'none', detail: route.detail, query: V1_QUERY[`${method} ${path}`] });
  return app;
}
