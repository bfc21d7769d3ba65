import { Elysia } from 'elysia';
import { apiAccessRule, enforceAccess, isApiPath } from './access-policy';
import { authenticateRequest, type AuthDeps, type Role } from './authenticate';

let nextSeed = 0;
const seeds = new WeakMap<object, number>();
// Elysia dedupes plugins by name + seed: one guard per app context, however often it is used.
const seedOf = (deps: AuthDeps) => {
  if (!seeds.has(deps.db)) seeds.set(deps.db, ++nextSeed);
  return seeds.get(deps.db)!;
};

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

/**
 * Guards every request whose path is under /api before anything is parsed: the rule comes from
 * the method and path (see apiAccessRule), so a route added later is covered without edits.
 * onRequest hooks are global in Elysia, so using this plugin anywhere guards the whole app.
 */
export function apiGuard(deps: AuthDeps) {
  return new Elysia({ name: 'api-guard', seed: seedOf(deps) }).onRequest(({ request }) => {
    const pathname = pathOf(request.url);
    if (!isApiPath(pathname)) return;
    const rule = apiAccessRule(request.method, pathname);
    if (rule.public) return;
    enforceAccess(deps, request, rule);
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
 * For pages and partials outside /api: derives `auth` (the session or null) and offers
 * `{ role: 'admin' | 'viewer' }` on a route, which enforces session, CSRF, forced password
 * change and role with OpenAI-shaped 401/403 errors.
 */
export function sessionGuard(deps: AuthDeps) {
  return new Elysia({ name: 'session-guard', seed: seedOf(deps) })
    .derive({ as: 'scoped' }, ({ request }) => ({ auth: authenticateRequest(deps, request) }))
    .macro({
      role: (role: Role) => ({
        beforeHandle({ request }: { request: Request }) {
          enforceAccess(deps, request, { role });
        },
      }),
    });
}

/** For handlers that need the caller: the session already checked by the guard. */
export function requireAuth(deps: AuthDeps, request: Request, role: Role = 'viewer', duringPasswordChange = false) {
  return enforceAccess(deps, request, { role, duringPasswordChange });
}
