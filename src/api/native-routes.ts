import type { AnyElysia } from 'elysia';
import { hostIsValid, invalidHost } from '../http/host-header';

const NATIVE = Symbol('gophergate.native-route');

/** The only part of Elysia's context a native-capable handler may read. */
export interface NativeContext {
  request: Request;
  server: { timeout(req: Request, seconds: number): void } | null;
}

/**
 * Marks a route handler that reads nothing but `request` and `server` from Elysia's context and
 * answers every outcome itself (errors included), so Bun's router may call it directly.
 */
export function nativeCapable<H extends (c: NativeContext) => unknown>(handler: H): H {
  const wrapped = ((c: NativeContext) => {
    const r = handler(c);
    return r instanceof Promise ? r.then(withCors) : withCors(r);
  }) as unknown as H;
  (wrapped as any)[NATIVE] = true;
  return wrapped;
}

/**
 * The /v1 API is called with a bearer key, never a cookie, so like OpenAI's own API any origin
 * may call it (browser apps using the SDK); the gateway's own headers are readable to them.
 */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers':
    'x-gophergate-overhead-ms, x-gophergate-model, x-gophergate-provider, x-gophergate-route, x-request-id, retry-after' +
    ', retry-after-ms, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests' +
    ', x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens',
};

function withCors(res: unknown): unknown {
  if (!(res instanceof Response)) return res;
  try {
    for (const k in CORS_HEADERS) res.headers.set(k, CORS_HEADERS[k]!);
    return res;
  } catch {
    // Immutable headers (a fetch() Response passed on as it is): copy them into a new Response.
    const out = new Response(res.body, res);
    for (const k in CORS_HEADERS) out.headers.set(k, CORS_HEADERS[k]!);
    return out;
  }
}

type BunRouteHandler = (request: Request, server: NativeContext['server']) => unknown;

/**
 * Bun.serve `routes` for the marked handlers (the hot /v1 endpoints). Elysia still owns them
 * (OpenAPI document, app.handle, 404/405 for other methods), but Bun calls them without Elysia's
 * per-request pipeline: the global /api guard (which lets /v1 through anyway), context creation
 * and response mapping cost ~5-10 µs per request at this size. Only static paths qualify.
 */
export function nativeRoutes(app: AnyElysia): Record<string, Record<string, BunRouteHandler>> {
  const routes: Record<string, Record<string, BunRouteHandler>> = {};
  for (const route of app.routes) {
    const handler = route.handler as any;
    if (typeof handler !== 'function' || !handler[NATIVE] || /[:*]/.test(route.path)) continue;
    // Bun calls these without Elysia's onRequest, so the Host check (http/host-header.ts) is done here.
    (routes[route.path] ??= {})[route.method] = (request, server) =>
      hostIsValid(request) ? handler({ request, server }) : withCors(Response.json(invalidHost().toBody(), { status: 400 }));
  }
  return routes;
}
