import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { getModel, listModels, updateModel } from '../admin/models-service';
import { MAX_LONG_CONTEXT_THRESHOLD, MAX_MODEL_PRICE, MAX_PRICE_MULTIPLIER } from '../admin/model-patch-limits';
import { ADMIN_RESPONSES } from './openapi-admin-docs';

const tags = ['Admin'];
const security = [{ session: [] }];
// The bounds updateModel checks (admin/model-patch-limits.ts), stated in the schema for the OpenAPI document.
const price = t.Number({ minimum: 0, maximum: MAX_MODEL_PRICE });
const multiplier = (tier: string) => t.Number({
  minimum: 0, maximum: MAX_PRICE_MULTIPLIER,
  description: `Every token price times this for an answer OpenAI says it served at service_tier ${tier}; null: the standard prices`,
});

/** The models table: enable/disable and prices (USD per 1M tokens, per image for image models). */
export function adminModelsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-models-routes' })
    .use(sessionGuard(ctx))
    .get('/api/models', async ({ query }) => {
      return { data: await listModels(ctx, query.provider) };
    }, {
      role: 'viewer',
      query: t.Object({ provider: t.Optional(t.String({ maxLength: 40 })) }),
      detail: { tags, security, responses: ADMIN_RESPONSES.listModels, summary: 'List models and prices, optionally for one provider' },
    })
    .get('/api/models/:id', ({ params }) => {
      return getModel(ctx, params.id);
    }, { role: 'viewer', params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }), detail: { tags, security, responses: ADMIN_RESPONSES.model, summary: 'One model (ids containing `/` are URL-encoded)' } })
    .patch('/api/models/:id', ({ params, body }) => {
      return updateModel(ctx, params.id, body);
    }, {
      role: 'admin',
      params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }),
      body: t.Object({
        enabled: t.Optional(t.Boolean()),
        input_price: t.Optional(price),
        cached_input_price: t.Optional(t.Nullable(price)),
        output_price: t.Optional(price),
        reasoning_price: t.Optional(t.Nullable(price)),
        image_price: t.Optional(t.Nullable(price)),
        cache_write_price: t.Optional(t.Nullable(price)),
        long_context_threshold: t.Optional(t.Nullable(t.Integer({
          minimum: 1, maximum: MAX_LONG_CONTEXT_THRESHOLD,
          description: 'From this many prompt tokens (input with cache reads and writes) on, the whole request bills at the long_context_* prices; null: no tier',
        }))),
        long_context_input_price: t.Optional(t.Nullable(price)),
        long_context_cached_input_price: t.Optional(t.Nullable(price)),
        long_context_cache_write_price: t.Optional(t.Nullable(price)),
        long_context_output_price: t.Optional(t.Nullable(price)),
        long_context_reasoning_price: t.Optional(t.Nullable(price)),
        audio_input_price: t.Optional(t.Nullable(price)),
        audio_output_price: t.Optional(t.Nullable(price)),
        flex_price_multiplier: t.Optional(t.Nullable(multiplier('flex'))),
        priority_price_multiplier: t.Optional(t.Nullable(multiplier('priority'))),
      }),
      detail: { tags, security, responses: ADMIN_RESPONSES.patchModel, summary: 'Enable/disable a model or change its prices' },
    });
}
