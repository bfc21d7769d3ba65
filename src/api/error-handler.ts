import { Elysia } from 'elysia';
import { ApiError, notFound, toErrorResponse, type OpenAIErrorBody } from '../errors/api-error';
import { storeUnavailable } from '../auth/store-unavailable';
import { isStoreUnreachableError } from '../db/pg-store';
import { toAnthropicError } from '../messages/anthropic-errors';

function body(message: string, type: string, code: string, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** /v1/messages and everything under it: Anthropic's API. */
const ANTHROPIC_PATHS = /^\/v1\/messages(?:\/|$)/;

/** Elysia's validation error: the first failing field becomes OpenAI's `param`. */
function validationBody(error: any): OpenAIErrorBody {
  const first = error?.all?.[0] ?? error?.valueError;
  const path = typeof first?.path === 'string' ? first.path.replace(/^\//, '').replace(/\//g, '.') : '';
  // TypeBox summaries end in "but found: <value>": the value may be a password or a key, so it is cut.
  const message = String(first?.summary ?? first?.message ?? 'Invalid request.').replace(/,?\s*but found:[\s\S]*$/, '');
  return body(path ? `Invalid value for '${path}': ${message}` : String(message), 'invalid_request_error', 'invalid_request', path || null);
}

/**
 * One place that turns every failure into OpenAI's error shape: validation is 400 (never
 * Elysia's default 422), unknown routes 404, and anything unexpected a 500 without a stack.
 */
export const errorHandler = new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, ({ code, error, set, request }) => {
  const json = (status: number, payload: OpenAIErrorBody, headers: Record<string, string> = {}) => {
    set.status = status;
    return new Response(JSON.stringify(payload), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  };
  if (error instanceof ApiError) {
    const r = toErrorResponse(error);
    return json(r.status, r.body, r.headers);
  }
  switch (code) {
    case 'VALIDATION':
      return json(400, validationBody(error));
    case 'PARSE':
      return json(400, body('The request body is not valid JSON.', 'invalid_request_error', 'invalid_json'));
    case 'NOT_FOUND': {
      // Anthropic's clients read Anthropic's shape: paths under /v1/messages/ (the SDK's message
      // batches) and /v1/messages itself with another method than POST.
      if (ANTHROPIC_PATHS.test(new URL(request.url).pathname)) {
        const r = toAnthropicError(notFound('Not found.'));
        set.status = r.status;
        return new Response(JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
      }
      return json(404, body('Not found.', 'invalid_request_error', 'not_found'));
    }
    case 'INVALID_COOKIE_SIGNATURE':
      return json(401, body('Invalid session.', 'authentication_error', 'invalid_session'));
    default: {
      // PostgreSQL went away before the reachability probe noticed (it is checked up front on
      // /api after that): the same 503 as then, not an internal error.
      if (isStoreUnreachableError(error)) {
        const r = toErrorResponse(storeUnavailable());
        return json(r.status, r.body, r.headers);
      }
      const status = (error as any)?.status;
      if (typeof status === 'number' && status >= 400 && status < 500)
        return json(status, body(String((error as any)?.message ?? 'Bad request.'), 'invalid_request_error', 'invalid_request'));
      console.error('[gophergate] unexpected error:', (error as any)?.message ?? error);
      return json(500, toErrorResponse(error).body);
    }
  }
});
