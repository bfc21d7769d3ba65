import type { AppContext } from './context';
import { createApp } from './app';

/**
 * Starts serving the app: main.ts, and every test through test/helpers/start-gateway.ts, so the
 * tests take the production path (the /v1 endpoints on Bun's router, the rest through Elysia).
 * `app.server` is the Bun server; `app.stop()` ends it.
 */
export function listen(ctx: AppContext, hostname: string, port: number) {
  return createApp(ctx).listen({ hostname, port });
}
