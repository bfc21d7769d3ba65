import { Elysia } from 'elysia';
import type { AppContext } from '../context';
import { assetsRoutes } from './assets-routes';
import { analyticsPages } from './routes/analytics-pages';
import { authPages } from './routes/auth-pages';
import { clientsPages } from './routes/clients-pages';
import { groupsPages } from './routes/groups-pages';
import { modelsPages } from './routes/models-pages';
import { providersPages } from './routes/providers-pages';
import { providerKeysPages } from './routes/provider-keys-pages';
import { usersPages } from './routes/users-pages';
import { teamsPages } from './routes/teams-pages';

/**
 * The dashboard at `/`: server-rendered pages and HTMX partials plus its embedded assets.
 * Reads go through src/logging/usage-queries.ts, changes through src/admin services, and every
 * session/role/CSRF decision through src/auth — the same functions the JSON API uses.
 */
export function dashboardRoutes(ctx: AppContext) {
  return new Elysia({ name: 'dashboard' })
    .use(assetsRoutes())
    .use(authPages(ctx))
    .use(analyticsPages(ctx))
    .use(clientsPages(ctx))
    .use(teamsPages(ctx))
    .use(providersPages(ctx))
    .use(providerKeysPages(ctx))
    .use(modelsPages(ctx))
    .use(groupsPages(ctx))
    .use(usersPages(ctx));
}
