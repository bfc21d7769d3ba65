import { Elysia, t } from 'elysia';
import { requireAuth } from '../auth/session-guard';
import type { AppContext } from '../context';
import { getProvider, listProviders, setProviderSettings } from '../admin/providers-service';
import { testProviderConnection } from '../admin/provider-test';

const tags = ['Admin'];
const security = [{ session: [] }];
const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 40 }) });

/** Provider settings: enable, base URL, API key (write-only), breaker state, connection test. */
export function adminProvidersRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-providers-routes' })
    .get('/api/providers', ({ request }) => {
      requireAuth(ctx, request, 'viewer');
      return { data: listProviders(ctx) };
    }, { detail: { tags, security, summary: 'Providers with circuit state and recent error rate (keys never shown, only their last 4)' } })
    .get('/api/providers/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'viewer');
      return getProvider(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'One provider' } })
    .patch('/api/providers/:id', ({ params, body, request }) => {
      requireAuth(ctx, request, 'admin');
      return setProviderSettings(ctx, params.id, body);
    }, {
      params: idParams,
      body: t.Object({
        enabled: t.Optional(t.Nullable(t.Boolean())),
        base_url: t.Optional(t.Nullable(t.String({ maxLength: 2000 }))),
        api_key: t.Optional(t.Nullable(t.String({ maxLength: 4000 }))),
      }),
      detail: {
        tags,
        security,
        summary: 'Change provider settings',
        description: '`null` clears a value so the environment applies again. `api_key` is stored AES-256-GCM encrypted and never returned.',
      },
    })
    .post('/api/providers/:id/test', ({ params, request }) => {
      requireAuth(ctx, request, 'admin');
      return testProviderConnection(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'Test the connection (lists the upstream\'s models with the stored key)' } });
}
