import { Elysia, t } from 'elysia';
import { requireAuth } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createClient, getClient, listClients, renameClient, revokeClient } from '../admin/clients-service';

const tags = ['Admin'];
const security = [{ session: [] }];
const idParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
const nameBody = t.Object({ name: t.String({ minLength: 1, maxLength: 100 }) });

/** API clients: create (the key is shown once), list, rename, revoke. */
export function adminClientsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-clients-routes' })
    .get('/api/clients', async ({ request }) => {
      requireAuth(ctx, request, 'viewer');
      return { data: await listClients(ctx) };
    }, { detail: { tags, security, summary: 'List clients (key prefix only)' } })
    .post('/api/clients', ({ body, request, set }) => {
      requireAuth(ctx, request, 'admin');
      set.status = 201;
      set.headers['cache-control'] = 'no-store';
      return createClient(ctx, body.name);
    }, {
      body: nameBody,
      detail: { tags, security, summary: 'Create a client', description: 'Returns `{id, name, key}`. The key is shown only in this response; only its SHA-256 is stored.' },
    })
    .get('/api/clients/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'viewer');
      return getClient(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'One client' } })
    .patch('/api/clients/:id', ({ params, body, request }) => {
      requireAuth(ctx, request, 'admin');
      return renameClient(ctx, params.id, body.name);
    }, { params: idParams, body: nameBody, detail: { tags, security, summary: 'Rename a client' } })
    .delete('/api/clients/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'admin');
      return revokeClient(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'Revoke a client key (takes effect at once; the row stays for the logs)' } });
}
