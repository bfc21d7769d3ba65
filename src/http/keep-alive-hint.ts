/**
 * The `Keep-Alive: timeout=N` response header (HTTP/1.1) announcing how long the gateway keeps an
 * idle client connection open after this answer (LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S, longer
 * after a /v1 stream). A client that honours it (Node's http Agent and undici, so the openai SDK's
 * fetch on Node) closes its idle connection before the gateway does, instead of reusing one just
 * as it is closed (ECONNRESET). Never sent with `connection: close`: the connection ends there.
 */
import { Elysia } from 'elysia';

export const keepAliveHint = (s: number) => `timeout=${s}`;

/**
 * Every answer of the routes Elysia runs carries the hint: their connections keep Bun's idle limit
 * (Bun.serve's idleTimeout, the keep-alive limit; a /v1 stream earlier on the connection may have
 * raised it, never lowered it). The error handler drops it from a `connection: close` refusal.
 */
export function keepAliveHints(keepAliveTimeoutS: number) {
  const hint = keepAliveHint(keepAliveTimeoutS);
  return new Elysia({ name: 'keep-alive-hint' }).onRequest(({ set }) => {
    set.headers['keep-alive'] = hint;
  });
}
