import { Elysia } from 'elysia';
import { apiAccessRule, enforceAccess, isApiPath } from './access-policy';
import { authenticateRequest, bearerOf, prepareRequestAuth, type AuthDeps, type Role } from './authenticate';
import { readSessionCookie } from './session-cookie';
import type { AccessRule } from './access-policy';
import { isPgDb } from '../db/pg-translate';
import { STORE_RECHECK_MS, storeUnavailable } from './store-unavailable';

/**
 * What a route declares with the `role` macro: a role, or a role that a user whose password
 * must be changed first keeps (sign-out, who-am-I, the change itself).
 */
export type RoleNeed = Role | { role: Role; duringPasswordChange: true };

export const ruleOf = (need: RoleNeed): Exclude<AccessRule, { public: true }> => (typeof need === 'string' ? { role: need } : need);

/**
 * The path Elysia's router matches for a request URL, computed the way the router does it
 * (first '/' after `http://`, up to '?'; the app sets `handler.standardHostname: false`), so the
 * guard and the router can never disagree. hostGuard has already refused a URL that is not
 * `http(s)://<valid host>/...`. Runs on every request: no URL object.
 */
export function pathOf(url: string): string {
  const start = url.indexOf('/', 7);
  if (start < 0) return '/';
  const q = url.indexOf('?', start + 1);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

/** A bearer token or a session cookie: the request may be signed in. */
const carriesCredentials = (request: Request) => bearerOf(request) !== undefined || readSessionCookie(request) !== null;

/**
 * Guards every request whose path is under /api before anything is parsed: the rule comes from
 * the method and path (see apiAccessRule), so a route added later is covered without edits.
 * onRequest hooks are global in Elysia, so using this plugin anywhere guards the whole app
 * (admin-api.ts uses it once; it has no name, so Elysia never drops it as a duplicate).
 */
export function apiGuard(deps: AuthDeps) {
  const check = (request: Request) => {
    const pathname = pathOf(request.url);
    if (!isApiPath(pathname)) return;
    // PostgreSQL unreachable: every /api answer would fail halfway; say so up front.
    if (deps.store && !deps.store.reachable()) throw storeUnavailable();
    const rule = apiAccessRule(request.method, pathname);
    if (rule.public) return;
    enforceAccess(deps, request, rule);
  };
  // SQLite stays synchronous; a PostgreSQL store first reads the session row (awaited).
  if (!isPgDb(deps.db)) return new Elysia().onRequest(({ request }) => check(request));
  return new Elysia().onRequest(async ({ request }) => {
    // Pages read the session synchronously too, so preload for every path but the /v1 API
    // (which never waits for the store and authenticates with client keys). With the store known
    // unreachable, an /api call or a request with credentials asks it again first (bounded, once),
    // so a call just after PostgreSQL came back is served; still unreachable, nothing is read and
    // a session that is not cached makes the request a 503.
    const path = pathOf(request.url);
    if (path.startsWith('/v1/')) return check(request);
    if (deps.store && !deps.store.reachable() && (isApiPath(path) || carriesCredentials(request))) await deps.store.recheck(STORE_RECHECK_MS);
    await prepareRequestAuth(deps, request).catch(() => {});
    check(request);
  });
}

/**
 * The same rule again, decided from the route the router actually matched (`route` is its
 * declared pattern, e.g. `/api/clients/:id`), for every route of the instance it is added to.
 * The onRequest guard above runs before any body is parsed; this one cannot be dodged by a path
 * spelling, whichever router (Bun's or Elysia's) dispatched the request.
 */
export function matchedRouteGuard(deps: AuthDeps) {
  return ({ route, request }: { route: string; request: Request }) => {
    const rule = apiAccessRule(request.method, route);
    if (rule.public) return;
    enforceAccess(deps, request, rule);
  };
}

/**
 * Derives `auth` (the session or null) for the routes of the instance that uses it, and offers
 * the `role` macro: `{ role: 'admin' }` on a route enforces session, CSRF, forced password
 * change and role (OpenAI-shaped 401/403 otherwise) and hands the handler `auth`, never null.
 * Unnamed on purpose: each plugin that uses it gets its own copy (no dedupe, so no per-app seed).
 */
export function sessionGuard(deps: AuthDeps) {
  return new Elysia()
    .derive({ as: 'scoped' }, async ({ request }) => {
      if (isPgDb(deps.db)) await prepareRequestAuth(deps, request).catch(() => {});
      return { auth: authenticateRequest(deps, request) };
    })
    .macro({
      role: (need: RoleNeed) => ({
        resolve: ({ request }: { request: Request }) => ({ auth: enforceAccess(deps, request, ruleOf(need)) }),
      }),
    });
}
