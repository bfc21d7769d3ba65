import { Elysia } from 'elysia';
import { apiGuard, matchedRouteGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { monitorRoutes } from '../monitor/monitor-routes';
import { adminAuthRoutes } from './admin-auth-routes';
import { parseAdminJson } from './admin-json-body';
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
 * are read by parseAdminJson (strict UTF-8).
 */
export function adminApi(ctx: AppContext) {
  return new Elysia({ name: 'admin-api' })
    .use(apiGuard(ctx))
    .onBeforeHandle(matchedRouteGuard(ctx))
    // Bodies that are not UTF-8 are refused rather than stored with U+FFFD (admin-json-body.ts).
    .onParse(parseAdminJson)
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
