import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import { MAX_JSON_DEPTH, nestedTooDeep, nestsDeeperThan } from './json-depth';
import { payloadTooLarge } from './request-validation-body';

/**
 * Bun.serve's own body cap, set above any Content-Length: Bun answers a body over its cap with
 * a bare 413 and an empty body before the app sees the request, so the configured cap
 * (LLM_PROXY__SERVER__MAX_BODY_MB) is enforced by the app instead, in OpenAI's error shape:
 * by the /v1 routes themselves (readJsonBody: Content-Length, or counted while reading a chunked
 * body) and for every other route by bodyLimit below.
 */
export const BUN_MAX_REQUEST_BODY_SIZE = Number.MAX_SAFE_INTEGER;

/**
 * Bodies read before anyone signed in: the sign-in itself (`/api/auth/login`) and the dashboard's
 * forms (Elysia parses a form before the page checks the session). None needs more than a few KB,
 * yet each took LLM_PROXY__SERVER__MAX_BODY_MB: 20 anonymous 30 MB posts to /api/auth/login grew
 * the gateway by 1.2 GB (the login reads its body twice). The admin API checks its session
 * before reading, and /v1 its key.
 */
export const FORM_MAX_BYTES = 1024 * 1024;

function readBeforeSignIn(path: string): boolean {
  return path === '/api/auth/login' || !(path.startsWith('/api/') || path.startsWith('/v1/'));
}

/**
 * A /v1 POST Elysia runs (a trailing slash: `/v1/messages/`) is the endpoint's own handler, which
 * caps its body itself as on Bun's router (413 in its shape, one log row) and reads a chunked one.
 * Refused here, a chunked request was a 411 and an oversized one had no row.
 */
const cappedByHandler = (path: string) => path.startsWith('/v1/');

const formTooLarge = (maxBytes: number) =>
  new ApiError({
    status: 413,
    message: `Request body is larger than the ${maxBytes / 1024 / 1024} MB limit of the sign-in and the dashboard's forms.`,
    type: 'invalid_request_error',
    code: 'request_too_large',
    headers: { connection: 'close' },
  });

/**
 * The cap for the routes Elysia runs but /v1 (whose endpoints cap their own bodies, on Bun's
 * router or through Elysia alike): a declared Content-Length over it is refused with 413 before the body is read; a
 * body without one (chunked) is refused with 411, since Elysia would read it whole. Both are
 * thrown, so the error handler answers them (JSON, or a page for a dashboard browser). A parsed
 * body nested deeper than MAX_JSON_DEPTH is a 400 before validation walks it (as on /v1).
 */
export function bodyLimit(ctx: AppContext) {
  const maxBytes = ctx.config.server.maxBodyMb * 1024 * 1024;
  const formMaxBytes = Math.min(maxBytes, FORM_MAX_BYTES);
  return new Elysia({ name: 'body-limit' })
    .onRequest(({ request }) => {
      const length = request.headers.get('content-length');
      if (length === null && !request.headers.has('transfer-encoding')) return;
      const path = new URL(request.url).pathname;
      if (cappedByHandler(path)) return;
      if (length !== null) {
        if (Number(length) > maxBytes) throw payloadTooLarge(maxBytes);
        if (Number(length) > formMaxBytes && readBeforeSignIn(path)) throw formTooLarge(formMaxBytes);
      } else {
        const err = new ApiError({
          status: 411,
          message: 'A request body must be sent with a Content-Length header.',
          type: 'invalid_request_error',
          code: 'length_required',
          headers: { connection: 'close' },
        });
        throw err;
      }
    })
    .onTransform({ as: 'global' }, ({ body }) => {
      if (nestsDeeperThan(body, MAX_JSON_DEPTH)) throw nestedTooDeep();
    });
}
