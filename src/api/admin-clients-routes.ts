import { Elysia, t } from 'elysia';
import { requireAuth } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createClient, getClient, listClients, revokeClient, updateClient } from '../admin/clients-service';
import { clientLimitFields } from './limit-fields-schema';

const tags = ['Admin'];
const security = [{ session: [] }];
const idParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
const name = t.String({ minLength: 1, maxLength: 100 });
const createBody = t.Object({ name, ...clientLimitFields });
const patchBody = t.Object({ name: t.Optional(name), ...clientLimitFields });

/** API clients: create (the key is shown once), list, rename, revoke. */
export function adminClientsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-clients-routes' })
    .get('/api/clients', ({ request }) => {
      requireAuth(ctx, request, 'viewer');
      return { data: listClients(ctx) };
    }, { detail: { tags, security, summary: 'List clients (key prefix only)' } })
    .post('/api/clients', ({ body, request, set }) => {
      requireAuth(ctx, request, 'admin');
      set.status = 201;
      set.headers['cache-control'] = 'no-store';
      const { name: clientName, ...limits } = body;
      return createClient(ctx, clientName, limits);
    }, {
      body: createBody,
      detail: { tags, security, summary: 'Create a client', description: 'Returns `{id, name, key}`. The key is shown only in this response; only its SHA-256 is stored. Limits (`team_id, models, budget_usd, budget_period, rpm, tpm, max_parallel, expires_at`) are optional.' },
    })
    .get('/api/clients/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'viewer');
      return getClient(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'One client, with its limits and `spend_usd` (spend in the current budget period)' } })
    .patch('/api/clients/:id', ({ params, body, request }) => {
      requireAuth(ctx, request, 'admin');
      return updateClient(ctx, params.id, body);
    }, { params: idParams, body: patchBody, detail: { tags, security, summary: 'Rename a client and/or change its limits (only the fields sent change; in force at once)' } })
    .delete('/api/clients/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'admin');
      return revokeClient(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'Revoke a client key (takes effect at once; the row stays for the logs)' } });
}
