import { Elysia, t } from 'elysia';
import { requireAuth } from '../auth/session-guard';
import type { AppContext } from '../context';
import { getModel, listModels, updateModel } from '../admin/models-service';

const tags = ['Admin'];
const security = [{ session: [] }];
const price = t.Number({ minimum: 0, maximum: 1_000_000 });

/** The models table: enable/disable and prices (USD per 1M tokens, per image for image models). */
export function adminModelsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-models-routes' })
    .get('/api/models', ({ query, request }) => {
      requireAuth(ctx, request, 'viewer');
      return { data: listModels(ctx, query.provider) };
    }, {
      query: t.Object({ provider: t.Optional(t.String({ maxLength: 40 })) }),
      detail: { tags, security, summary: 'List models and prices, optionally for one provider' },
    })
    .get('/api/models/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'viewer');
      return getModel(ctx, params.id);
    }, { params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }), detail: { tags, security, summary: 'One model (ids containing `/` are URL-encoded)' } })
    .patch('/api/models/:id', ({ params, body, request }) => {
      requireAuth(ctx, request, 'admin');
      return updateModel(ctx, params.id, body);
    }, {
      params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }),
      body: t.Object({
        enabled: t.Optional(t.Boolean()),
        input_price: t.Optional(price),
        cached_input_price: t.Optional(t.Nullable(price)),
        output_price: t.Optional(price),
        reasoning_price: t.Optional(t.Nullable(price)),
        image_price: t.Optional(t.Nullable(price)),
        cache_write_price: t.Optional(t.Nullable(price)),
      }),
      detail: { tags, security, summary: 'Enable/disable a model or change its prices' },
    });
}
