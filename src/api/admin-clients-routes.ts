import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createClient, getClient, listClients, revokeClient, updateClient } from '../admin/clients-service';
import { clientLimitFields } from './limit-fields-schema';
import { listPageQuery, parseListPage } from './list-page-query';
import type { RawQuery } from '../logging/usage-query-params';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';
import { decimalIdParams } from './strict-schema';

const tags = ['Admin'];
const idParams = decimalIdParams;
const name = t.String({ minLength: 1, maxLength: 100 });
const createBody = t.Object({ name, ...clientLimitFields });
const patchBody = t.Object({ name: t.Optional(name), ...clientLimitFields });

/** API clients: create (the key is shown once), list, rename, revoke. */
export function adminClientsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-clients-routes' })
    .use(sessionGuard(ctx))
    .get('/api/clients', async ({ query }) => {
      return { data: await listClients(ctx, parseListPage(query as RawQuery, 'before_id')) };
    }, {
      role: 'viewer',
      query: listPageQuery('before_id', 'key'),
      detail: { tags, security, responses: ADMIN_RESPONSES.listClients, summary: 'List clients (key prefix only), newest first; pages with `limit` and `before_id` as /api/logs' },
    })
    .post('/api/clients', ({ body, set }) => {
      set.status = 201;
      set.headers['cache-control'] = 'no-store';
      const { name: clientName, ...limits } = body;
      return createClient(ctx, clientName, limits);
    }, {
      role: 'admin',
      body: createBody,
      detail: { tags, security, responses: ADMIN_RESPONSES.createClient, summary: 'Create a client', description: 'Returns `{id, name, key}`. The key is shown only in this response; only its SHA-256 is stored. Limits (`team_id, models, budget_usd, budget_period, rpm, tpm, max_parallel, expires_at`) are optional.' },
    })
    .get('/api/clients/:id', ({ params }) => {
      return getClient(ctx, params.id);
    }, { role: 'viewer', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.client, summary: 'One client, with its limits and `spend_usd` (spend in the current budget period)' } })
    .patch('/api/clients/:id', ({ params, body }) => {
      return updateClient(ctx, params.id, body);
    }, { role: 'admin', params: idParams, body: patchBody, detail: { tags, security, responses: ADMIN_RESPONSES.patchClient, summary: 'Rename a client and/or change its limits (only the fields sent change; in force at once)' } })
    .delete('/api/clients/:id', ({ params }) => {
      return revokeClient(ctx, params.id);
    }, { role: 'admin', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.revokeClient, summary: 'Revoke a client key (takes effect at once; the row stays for the logs)' } });
}
