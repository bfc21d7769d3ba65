import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createClient, getClient, listClients, renameClient, revokeClient } from '../admin/clients-service';

const tags = ['Admin'];
const security = [{ session: [] }];
const idParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
const nameBody = t.Object({ name: t.String({ minLength: 1, maxLength: 100 }) });

/** API clients: create (the key is shown once), list, rename, revoke. */
export function adminClientsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-clients-routes' })
    .use(sessionGuard(ctx))
    .get('/api/clients', () => {
      return { data: listClients(ctx) };
    }, { role: 'viewer', detail: { tags, security, summary: 'List clients (key prefix only)' } })
    .post('/api/clients', ({ body, set }) => {
      set.status = 201;
      set.headers['cache-control'] = 'no-store';
      return createClient(ctx, body.name);
    }, {
      role: 'admin',
      body: nameBody,
      detail: { tags, security, summary: 'Create a client', description: 'Returns `{id, name, key}`. The key is shown only in this response; only its SHA-256 is stored.' },
    })
    .get('/api/clients/:id', ({ params }) => {
      return getClient(ctx, params.id);
    }, { role: 'viewer', params: idParams, detail: { tags, security, summary: 'One client' } })
    .patch('/api/clients/:id', ({ params, body }) => {
      return renameClient(ctx, params.id, body.name);
    }, { role: 'admin', params: idParams, body: nameBody, detail: { tags, security, summary: 'Rename a client' } })
    .delete('/api/clients/:id', ({ params }) => {
      return revokeClient(ctx, params.id);
    }, { role: 'admin', params: idParams, detail: { tags, security, summary: 'Revoke a client key (takes effect at once; the row stays for the logs)' } });
}
