import { Elysia } from 'elysia';
import { CSRF_FIELD, enforceAccess } from '../auth/access-policy';
import { ruleOf, type RoleNeed } from '../auth/session-guard';
import { authenticateRequest, type AuthDeps, type AuthResult } from '../auth/authenticate';
import { ApiError } from '../errors/api-error';
import { baseUrlHint, invalidUrlMessage, sendsClientKey } from '../api/base-url-hint';
import type { DashUser } from './dash-types';
import { isHtmx, redirect } from './respond';
import { DECIMAL_ID_RULE, decimalId } from '../admin/decimal-id';
import { ID_CHARS, shownValue } from '../errors/shown-value';
import { groupProblemInFormTerms, inFormTerms, withoutApiRoute } from './field-labels';

export const toDashUser = (a: AuthResult): DashUser => ({
  id: a.user.id,
  username: a.user.username,
  role: a.user.role,
  csrfToken: a.session.csrfToken,
});

/**
 * The viewer of a page, or the redirect to send instead: no session -> /login, a forced password
 * change pending -> /change-password. Reads never need CSRF; role checks are per page.
 */
export function pageUser(deps: AuthDeps, request: Request): DashUser | Response {
  const auth = authenticateRequest(deps, request);
  if (!auth) {
    // An OpenAI SDK given the gateway's root as base URL lists models at GET /models, this page:
    // it would follow the sign-in redirect and read the page as an empty list.
    const path = new URL(request.url).pathname;
    if (sendsClientKey(request) && baseUrlHint(path)) {
      throw new ApiError({ status: 404, message: invalidUrlMessage(request.method, path), type: 'invalid_request_error', code: 'not_found' });
    }
    return redirect(request, '/login');
  }
  if (auth.user.mustChangePassword) return redirect(request, '/change-password');
  return toDashUser(auth);
}

/**
 * The dashboard's guard, declared per route:
 * - `{ page: true }`: the handler gets `user` (DashUser), or the redirect of pageUser is sent instead.
 * - `{ role: 'admin' }` (or a RoleNeed): a state change. Session, CSRF (header or form field), forced password
 *   change and role are checked by the auth module (401/403 in OpenAI's shape otherwise), so a
 *   viewer's forged POST fails here even though the viewer never saw the control. The handler
 *   gets `auth` and `user`.
 */
export function pageGuard(deps: AuthDeps) {
  return new Elysia().macro({
    page: (_on: true) => ({
      beforeHandle: ({ request }: { request: Request }) => {
        const user = pageUser(deps, request);
        if (user instanceof Response) return user;
      },
      // Runs only when beforeHandle let the request through, so this is a DashUser.
      resolve: ({ request }: { request: Request }) => ({ user: pageUser(deps, request) as DashUser }),
    }),
    role: (need: RoleNeed) => ({
      // The CSRF token comes as the header (htmx) or as the form's hidden CSRF_FIELD (JavaScript off).
      resolve: ({ request, body }: { request: Request; body: unknown }) => {
        try {
          const auth = enforceAccess(deps, request, ruleOf(need), rawField(body, CSRF_FIELD) || undefined);
          return { auth, user: toDashUser(auth) };
        } catch (err) {
          throw htmxRecovery(request, err);
        }
      },
    }),
  });
}

/**
 * What HTMX should do instead of swapping the JSON error into the row or card being saved:
 * - 401 (session expired, signed out in another tab): HX-Location loads the sign-in page, as a
 *   page link would.
 * - 403 (demoted to viewer by another admin, a password change now forced, a CSRF token from an
 *   older session): HX-Refresh reloads the page, which then shows what this session may do (the
 *   viewer's view, or the password form) instead of admin controls that all answer 403.
 */
function htmxRecovery(request: Request, err: unknown): unknown {
  if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403) || !isHtmx(request)) return err;
  const follow: Record<string, string> = err.status === 401 ? { 'HX-Location': JSON.stringify({ path: '/login', target: 'body' }) } : { 'HX-Refresh': 'true' };
  return new ApiError({
    status: err.status, message: err.message, type: err.type, code: err.code, param: err.param,
    headers: { ...err.headers, ...follow },
  });
}

// Route options are built afresh for every route: Elysia writes the macro's hooks into the
// options object it is given, so one shared object would carry the first app's guard into the next.
/** Route options of a dashboard page (hidden from the API docs). */
export const pageRoute = () => ({ detail: { hide: true }, page: true }) as const;
/** Route options of a dashboard state change: admins only. */
export const adminRoute = () => ({ detail: { hide: true }, role: 'admin' }) as const;

/**
 * Runs a service call and turns its user-facing failures (ApiError 4xx: validation, conflicts,
 * not found) into messages for an inline error list; anything else propagates as a 500.
 */
export async function attempt<T>(fn: () => T | Promise<T>): Promise<{ ok: true; value: T } | { ok: false; errors: string[]; param: string | null; status: number }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && !(err instanceof PathIdError)) {
      const problems = (err as ApiError & { problems?: { group: string; message: string }[] }).problems;
      // `param`: the field the error is about, so a form can show it beside that input.
      // `status`: a 404 means the row is gone (changed in another tab), so the caller shows the list afresh.
      // In the form's words: its labels, not the API's field names (field-labels.ts).
      // A refusal that points at an API route says what to do on the page instead (field-labels.ts).
      return {
        ok: false,
        errors: problems?.length ? problems.map((p) => `${p.group}: ${groupProblemInFormTerms(p.message)}`) : [inFormTerms(withoutApiRoute(err.message, err.code), err.param)],
        // A group set's problems may be about several fields (their API param names the first's only): the list shows each.
        param: problems?.length ? null : err.param,
        status: err.status,
      };
    }
    throw err;
  }
}

/** A form field exactly as sent ('' when missing or not a string): for passwords. */
export function rawField(body: unknown, name: string): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** Whether the form sent `name` at all (a body that is no form, text/plain's string, sent nothing). */
export const hasField = (body: unknown, name: string): boolean => body !== null && typeof body === 'object' && name in body;

/** A form field, trimmed. */
export const field = (body: unknown, name: string): string => rawField(body, name).trim();

/**
 * A path id that is no id (`/teams/abc`, a hand-made or mangled address): a 400 naming it, as /api
 * answers one. Not a refusal of the form's fields, so `attempt` passes it on to the error handler
 * rather than show it in the form (as "No team with id -1.", a 422, it read as a missing row).
 */
class PathIdError extends ApiError {}

/** A numeric id from the path, as /api reads one (plain decimal); anything else is a 400 (PathIdError). */
export function idOf(p: { id: string }): number {
  const id = decimalId(p.id);
  if (id === null) {
    throw new PathIdError({ status: 400, message: `Invalid value for 'id': '${shownValue(pathParam(p.id), ID_CHARS)}' ${DECIMAL_ID_RULE}.`, code: 'invalid_request', param: 'id' });
  }
  return id;
}

/** A path parameter decoded once (Elysia may hand it over still encoded); malformed stays raw. */
export function pathParam(v: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
