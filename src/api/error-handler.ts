import { Elysia } from 'elysia';
import { ApiError, toErrorResponse, type OpenAIErrorBody } from '../errors/api-error';
import { storeUnavailable } from '../auth/store-unavailable';
import { isStoreUnreachableError } from '../db/pg-store';
import { isPassingSqliteFailure, storeBusyOr } from '../db/sqlite-write-failure';
import { toAnthropicError, type AnthropicErrorBody } from '../messages/anthropic-errors';
import { newRequestId } from '../proxy/request-id';
import { clientClosed } from '../proxy/upstream-errors';
import { CORS_HEADERS } from '../http/v1-cors-headers';
import { isAnthropicPath, speaksAnthropic } from './anthropic-client';
import { unionFieldMessage } from './union-field-message';
import { invalidUrlMessage } from './base-url-hint';

function body(message: string, type: string, code: string, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** The model API: /v1 and everything under it. */
const V1_PATHS = /^\/v1(?:\/|$)/;

/**
 * A field that takes one of a few words (`role`, `strategy`, `budget_period`) names them: TypeBox's
 * own summary says "should be one of: 'string', 'string'".
 */
function oneOfMessage(schema: any): string | null {
  const options = Array.isArray(schema?.anyOf) ? schema.anyOf : null;
  if (!options?.length || !options.every((o: any) => typeof o?.const === 'string')) return null;
  return `must be one of ${options.map((o: any) => `'${o.const}'`).join(', ')}.`;
}

/** Elysia's validation error: the first failing field becomes OpenAI's `param`. */
function validationBody(error: any): OpenAIErrorBody {
  const first = error?.all?.[0] ?? error?.valueError;
  const path = typeof first?.path === 'string' ? first.path.replace(/^\//, '').replace(/\//g, '.') : '';
  // The body itself: none (or blank) or `null`, where TypeBox's summary is a bare "Expected object".
  if (!path && first?.schema?.type === 'object' && (first.value == null || first.value === ''))
    return first.value === null
      ? body('The request body must be a JSON object.', 'invalid_request_error', 'invalid_request')
      : body('The request body is empty; send a JSON object.', 'invalid_request_error', 'invalid_json');
  // TypeBox summaries end in "but found: <value>": the value may be a password or a key, so it is cut.
  // A schema may word its own refusal (`error`, as strict-schema.ts's ids do).
  // A nullable field's out-of-range value is told that range (union-field-message.ts).
  const own = typeof first?.schema?.error === 'string' ? first.schema.error : oneOfMessage(first?.schema) ?? unionFieldMessage(first?.schema, first?.value);
  const message = own ?? String(first?.summary ?? first?.message ?? 'Invalid request.').replace(/,?\s*but found:[\s\S]*$/, '');
  return body(path ? `Invalid value for '${path}': ${message}` : String(message), 'invalid_request_error', 'invalid_request', path || null);
}

/** What a failure answers: its status, its error body (OpenAI's shape, or Anthropic's) and headers. */
export interface ErrorAnswer {
  status: number;
  body: OpenAIErrorBody | AnthropicErrorBody;
  headers: Record<string, string>;
}

/**
 * An unknown route's message, OpenAI's wording: `Invalid URL (POST /v1/images/edits)`, so a client
 * calling an endpoint the gateway does not serve reads that, not a missing model or file.
 */
function invalidUrl(request: Request, path: string): string {
  return invalidUrlMessage(request.method, path);
}

/**
 * The answer to one failure (Elysia's error `code` and what was thrown): validation is 400 (never
 * Elysia's default 422), unknown routes 404, and anything unexpected a 500 without a stack (logged
 * here, once). On /v1 it is in Anthropic's shape for Anthropic's paths and clients (api/anthropic-client.ts:
 * looked at only here, on the error path), in OpenAI's for everyone else.
 */
export function errorAnswer(code: unknown, error: unknown, request: Request): ErrorAnswer {
  const path = pathOfUrl(request.url);
  const answer = openaiAnswer(code, error, request, path);
  return V1_PATHS.test(path) && speaksAnthropic(request, path) ? inAnthropicShape(error, answer) : answer;
}

/**
 * The same failure in Anthropic's shape: its type for the status (`not_found_error`, `authentication_error`, …),
 * the gateway's code in `details.error_code`, and the id also as `request-id`, which Anthropic's SDKs read.
 */
function inAnthropicShape(error: unknown, answer: ErrorAnswer): ErrorAnswer {
  const o = (answer.body as OpenAIErrorBody).error;
  // What was thrown keeps what only it knows (an upstream's 529); anything else is taken as answered.
  const r = toAnthropicError(error instanceof ApiError ? error : new ApiError({ status: answer.status, message: o.message, type: o.type, code: o.code, param: o.param }));
  const id = answer.headers['x-request-id'];
  return { status: r.status, body: r.body, headers: id ? { ...answer.headers, 'request-id': id } : answer.headers };
}

/** A request's path; none for a URL that is not absolute (a raw request target the router refused). */
function pathOfUrl(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** errorAnswer in OpenAI's shape. */
function openaiAnswer(code: unknown, error: unknown, request: Request, path: string): ErrorAnswer {
  const of = (status: number, payload: OpenAIErrorBody, headers: Record<string, string> = {}): ErrorAnswer => ({ status, body: payload, headers });
  if (error instanceof ApiError) {
    const r = toErrorResponse(error);
    return of(r.status, r.body, r.headers);
  }
  switch (code) {
    case 'VALIDATION':
      return of(400, validationBody(error));
    case 'PARSE':
      // Elysia also parses the dashboard's forms: a multipart body it cannot read (a boundary missing
      // or never found) is no JSON, and "not valid JSON" sent a form's author looking at the wrong thing.
      if (/^\s*multipart\//i.test(request.headers.get('content-type') ?? ''))
        return of(400, body('The request body is not a valid multipart/form-data form (its boundary is missing or does not match).', 'invalid_request_error', 'invalid_request'));
      return of(400, body('The request body is not valid JSON.', 'invalid_request_error', 'invalid_json'));
    case 'NOT_FOUND': {
      // Every /v1 answer carries an id, as OpenAI's do (the SDKs show it as the error's request id),
      // and the CORS headers (the preflight of any /v1 path was answered: a browser app reads this
      // 404 rather than a network error). No model was asked, so there is no log row for the id.
      const id: Record<string, string> = V1_PATHS.test(path) ? { ...CORS_HEADERS, 'x-request-id': newRequestId() } : {};
      // Paths under /v1/messages/ (the SDK's message batches) and /v1/messages itself with another
      // method than POST are Anthropic's 404 (errorAnswer puts it in Anthropic's shape).
      return of(404, body(isAnthropicPath(path) ? 'Not found.' : invalidUrl(request, path), 'invalid_request_error', 'not_found'), id);
    }
    case 'INVALID_COOKIE_SIGNATURE':
      return of(401, body('Invalid session.', 'authentication_error', 'invalid_session'));
    default: {
      // PostgreSQL went away before the reachability probe noticed (it is checked up front on
      // /api after that): the same 503 as then, not an internal error.
      if (isStoreUnreachableError(error)) {
        const r = toErrorResponse(storeUnavailable());
        return of(r.status, r.body, r.headers);
      }
      // SQLite could not write just now (a lock held past busy_timeout, a full disk): it may
      // pass, so say so rather than "unexpected error".
      if (isPassingSqliteFailure(error)) {
        const r = toErrorResponse(storeBusyOr(error));
        return of(r.status, r.body, r.headers);
      }
      // The client hung up while its body was being read (Bun rejects the read with "The
      // connection was closed."): nobody reads this answer, and it is no internal error; an
      // anonymous client dropping sign-in posts printed one "unexpected error" line each.
      if (request.signal.aborted) {
        const r = toErrorResponse(clientClosed());
        return of(r.status, r.body, r.headers);
      }
      const status = (error as any)?.status;
      if (typeof status === 'number' && status >= 400 && status < 500)
        return of(status, body(String((error as any)?.message ?? 'Bad request.'), 'invalid_request_error', 'invalid_request'));
      console.error('[gophergate] unexpected error:', (error as any)?.message ?? error);
      return of(500, toErrorResponse(error).body);
    }
  }
}

/** A failure's answer as JSON, with `extra` headers beside its own (the dashboard's security headers on its paths). */
export function jsonErrorResponse(answer: ErrorAnswer, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { 'content-type': 'application/json', ...extra, ...answer.headers },
  });
}

/**
 * Answers a failure in another form than JSON (the dashboard's HTML pages), or as JSON with
 * headers of its own (jsonErrorResponse), or undefined to leave it as plain JSON.
 */
export type ErrorPage = (request: Request, answer: ErrorAnswer) => Response | Promise<Response> | undefined;

/** Adds to the 404 of an unknown /v1 route as it leaves (the key's rate headers: api/unknown-route-rate-headers.ts). */
export type V1NotFound = (request: Request, res: Response) => Response | Promise<Response>;

/**
 * One place that turns every failure into its answer (errorAnswer): JSON in OpenAI's shape (or
 * Anthropic's), unless `page` answers it (the dashboard's pages for a browser); `v1NotFound`
 * finishes an unknown /v1 route's 404.
 */
export function errorHandlerWith(page?: ErrorPage, v1NotFound?: V1NotFound) {
  return new Elysia({ name: 'error-handler', seed: page ? 'pages' : undefined }).onError({ as: 'global' }, ({ code, error, set, request }) => {
    const answer = errorAnswer(code, error, request);
    set.status = answer.status;
    // A refusal that closes the connection announces no idle limit (http/keep-alive-hint.ts).
    if (answer.headers.connection === 'close') delete set.headers['keep-alive'];
    const html = page?.(request, answer);
    if (html) return html;
    const res = jsonErrorResponse(answer);
    return v1NotFound && code === 'NOT_FOUND' && V1_PATHS.test(new URL(request.url).pathname) ? v1NotFound(request, res) : res;
  });
}

/** The JSON-only handler (/v1, /api and tests that mount single plugins). */
export const errorHandler = errorHandlerWith();
