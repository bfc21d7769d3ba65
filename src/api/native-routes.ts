import type { AnyElysia } from 'elysia';

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
  (handler as any)[NATIVE] = true;
  return handler;
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
    (routes[route.path] ??= {})[route.method] = (request, server) => handler({ request, server });
  }
  return routes;
}
