import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createModel, deleteModel, getModel, listModels, MODEL_ID_MAX_CHARS, MODEL_ID_PATTERN, MODEL_ID_RULE, updateModel } from '../admin/models-service';
import { isProviderId, PROVIDER_IDS } from '../providers/types';
import { badRequest } from '../errors/api-error';
import { MAX_LONG_CONTEXT_THRESHOLD, MAX_MODEL_PRICE, MAX_PRICE_MULTIPLIER } from '../admin/model-patch-limits';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';
import { jsonInteger } from './strict-schema';

const tags = ['Admin'];
// The bounds updateModel checks (admin/model-patch-limits.ts), stated in the schema for the OpenAPI document.
const price = t.Number({ minimum: 0, maximum: MAX_MODEL_PRICE });
const multiplier = (tier: string) => t.Number({
  minimum: 0, maximum: MAX_PRICE_MULTIPLIER,
  description: `Every token price times this for an answer OpenAI says it served at service_tier ${tier}; null: the standard prices`,
});

/** What PATCH /api/models/{id} sets, and POST /api/models besides the id and provider. */
const patchFields = {
  enabled: t.Optional(t.Boolean()),
  input_price: t.Optional(price),
  cached_input_price: t.Optional(t.Nullable(price)),
  output_price: t.Optional(price),
  reasoning_price: t.Optional(t.Nullable(price)),
  image_price: t.Optional(t.Nullable(price)),
  cache_write_price: t.Optional(t.Nullable(price)),
  context_window: t.Optional(t.Nullable(jsonInteger({
    minimum: 1, maximum: MAX_LONG_CONTEXT_THRESHOLD,
    description: 'Tokens of prompt plus output the model takes (a budget reserves up to it when a request names no max_tokens); null: unknown',
  }))),
  max_output_tokens: t.Optional(t.Nullable(jsonInteger({
    minimum: 1, maximum: MAX_LONG_CONTEXT_THRESHOLD,
    description: 'The most output tokens the model writes per answer: a request asking for more (max_tokens, max_completion_tokens, max_output_tokens) is sent with this many, and a budget reserves no more; null: unknown, sent as asked',
  }))),
  long_context_threshold: t.Optional(t.Nullable(jsonInteger({
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
  fast_price_multiplier: t.Optional(t.Nullable(t.Number({
    minimum: 0, maximum: MAX_PRICE_MULTIPLIER,
    description: 'Every token price times this for an answer Anthropic ran in fast mode (usage speed "fast"; 6 for Claude Opus 4.6); null: standard prices',
  }))),
  us_inference_price_multiplier: t.Optional(t.Nullable(t.Number({
    minimum: 0, maximum: MAX_PRICE_MULTIPLIER,
    description: 'Every token price times this for an answer Anthropic ran only in the US (usage inference_geo "us"; 1.1 on Claude Opus 4.6, Sonnet 4.6 and later); null: standard prices',
  }))),
};
const modelId = (description: string) => t.String({ minLength: 1, maxLength: MODEL_ID_MAX_CHARS, pattern: MODEL_ID_PATTERN, description, error: MODEL_ID_RULE });

/** The models table: enable/disable and prices (USD per 1M tokens, per image for image models). */
export function adminModelsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-models-routes' })
    .use(sessionGuard(ctx))
    .get('/api/models', async ({ query }) => {
      // A typo would list nothing, read as "no models": named instead. Empty filters nothing, as elsewhere.
      const provider = query.provider?.trim() || undefined;
      if (provider !== undefined && !isProviderId(provider)) throw badRequest(`'provider' must be one of ${PROVIDER_IDS.join(', ')}, got '${provider}'.`, 'provider');
      return { data: await listModels(ctx, provider) };
    }, {
      role: 'viewer',
      query: t.Object({ provider: t.Optional(t.String({ maxLength: 40, enum: [...PROVIDER_IDS], description: 'Only this provider\'s models' })) }),
      detail: { tags, security, responses: ADMIN_RESPONSES.listModels, summary: 'List models and prices, optionally for one provider' },
    })
    .post('/api/models', ({ body, set }) => {
      set.status = 201;
      return createModel(ctx, body);
    }, {
      role: 'admin',
      body: t.Object({
        id: modelId('The id clients name it by (`gpt-9`; also reachable as `provider/id`)'),
        provider: t.Union(PROVIDER_IDS.map((p) => t.Literal(p))),
        upstream_id: t.Optional(modelId('The id sent upstream; default: id')),
        kind: t.Optional(t.Union([t.Literal('chat'), t.Literal('image'), t.Literal('embedding')], { description: 'default: chat' })),
        ...patchFields,
      }),
      detail: {
        tags, security, responses: ADMIN_RESPONSES.createModel, summary: 'Add a model',
        description: 'Prices left out come from the bundled genai-prices data when it lists the model (0 on ollama and mock); ' +
          'otherwise input_price and output_price are required (400). 409 `model_exists` when a model has the id, `group_exists` when a model group has that name (also but for letter case).',
      },
    })
    .get('/api/models/:id', ({ params }) => {
      return getModel(ctx, params.id);
    }, { role: 'viewer', params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }), detail: { tags, security, responses: ADMIN_RESPONSES.model, summary: 'One model (ids containing `/` are URL-encoded)' } })
    .patch('/api/models/:id', ({ params, body }) => {
      return updateModel(ctx, params.id, body);
    }, {
      role: 'admin',
      params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }),
      body: t.Object(patchFields),
      detail: { tags, security, responses: ADMIN_RESPONSES.patchModel, summary: 'Enable/disable a model or change its prices' },
    })
    .delete('/api/models/:id', ({ params }) => {
      return deleteModel(ctx, params.id);
    }, {
      role: 'admin',
      params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }),
      detail: {
        tags, security, responses: ADMIN_RESPONSES.deleteModel, summary: 'Remove a model an admin added',
        description: '409 `model_seeded` for a seeded model (the seed adds it back at every start: disable it instead) and `model_in_use` while a model group names it.',
      },
    });
}
