import { Elysia } from 'elysia';
import { apiGuard, matchedRouteGuard, pathOf } from '../auth/session-guard';
import { isApiPath } from '../auth/access-policy';
import type { AppContext } from '../context';
import { monitorRoutes } from '../monitor/monitor-routes';
import { adminAuthRoutes } from './admin-auth-routes';
import { bodySchemaLookup, refuseNonUtf8AdminJson, refusePrototypeKeys, refuseUnknownFields } from './admin-json-body';
import { adminClientsRoutes } from './admin-clients-routes';
import { adminGroupsRoutes } from './admin-groups-routes';
import { adminModelsRoutes } from './admin-models-routes';
import { adminProvidersRoutes } from './admin-providers-routes';
import { adminUsersRoutes } from './admin-users-routes';
import { adminTeamsRoutes } from './admin-teams-routes';
import { usageRoutes } from './usage-routes';

/**
 * The admin JSON API under /api. `apiGuard` checks every /api request (these routes, the usage
 * routes, and any added later) before its body is read; `matchedRouteGuard` checks every route
 * below again from the route pattern the router matched; each route declares its role too
 * (`{ role: 'admin' }`, the macro of sessionGuard), which hands the handler `auth`. JSON bodies
 * must be UTF-8 (refuseNonUtf8AdminJson); a body with a `__proto__`, `constructor` or `prototype`
 * key at any depth is a 400 (refusePrototypeKeys); so is a top-level field the route's body schema
 * does not name (refuseUnknownFields), which Elysia would otherwise drop silently.
 */
export function adminApi(ctx: AppContext) {
  // Read on first request, when every route below has been added.
  let app: Elysia<any, any, any, any, any, any, any> | undefined;
  const schemaOf = bodySchemaLookup({ get routes() { return app!.routes; } });
  return app = new Elysia({ name: 'admin-api' })
    .use(apiGuard(ctx))
    .onBeforeHandle(matchedRouteGuard(ctx))
    // Bodies that are not UTF-8 are refused rather than stored with U+FFFD (admin-json-body.ts).
    .onRequest(refuseNonUtf8AdminJson)
    // `{"__proto__": {...}}` would read as its nested fields once Elysia copies the body: refused.
    .onTransform(refusePrototypeKeys)
    // `{"revoked": false}` or `budgetUsd` would be dropped and answered 200: refused, naming the field.
    .onTransform(refuseUnknownFields(schemaOf))
    .use(adminAuthRoutes(ctx))
    .use(adminClientsRoutes(ctx))
    .use(adminTeamsRoutes(ctx))
    .use(adminUsersRoutes(ctx))
    .use(adminProvidersRoutes(ctx))
    .use(adminModelsRoutes(ctx))
    .use(adminGroupsRoutes(ctx))
    .use(usageRoutes(ctx))
    .use(monitorRoutes(ctx));
}

/**
 * Every /api answer (logs, users, key prefixes, spend, and its errors) is `cache-control: no-store`:
 * no browser or shared cache may keep it. Set on the request's headers before anything else runs,
 * so handlers and the error handler answer with it; app.ts adds it before any other onRequest hook
 * (the host check and the body cap refuse /api requests too).
 */
export function noStoreForApi({ request, set }: { request: Request; set: { headers: Record<string, string | number> } }): void {
  if (isApiPath(pathOf(request.url))) set.headers['cache-control'] = 'no-store';
}
