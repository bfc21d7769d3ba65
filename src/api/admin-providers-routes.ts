import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { getProvider, listProviders, setProviderSettings } from '../admin/providers-service';
import { testProviderConnection } from '../admin/provider-test';
import { addProviderKey, deleteProviderKey, listProviderKeys, MAX_KEY_WEIGHT, updateProviderKey } from '../admin/provider-keys-service';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';
import { jsonInteger } from './strict-schema';

const tags = ['Admin'];
const idParams = t.Object({ id: t.String({ minLength: 1, maxLength: 40 }) });
const keyParams = t.Object({ id: t.String({ minLength: 1, maxLength: 40 }), key_id: t.String({ minLength: 1, maxLength: 40 }) });

/** Provider settings: enable, base URL, API key (write-only), breaker state, connection test. */
export function adminProvidersRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-providers-routes' })
    .use(sessionGuard(ctx))
    .get('/api/providers', async () => {
      return { data: await Promise.all((await listProviders(ctx)).map(async (p) => ({ ...p, keys: await listProviderKeys(ctx, p.id) }))) };
    }, { role: 'viewer', detail: { tags, security, responses: ADMIN_RESPONSES.listProviders, summary: 'Providers with circuit state, recent error rate and key pool (keys never shown, only their last 4)' } })
    .get('/api/providers/:id', async ({ params }) => {
      return { ...(await getProvider(ctx, params.id)), keys: await listProviderKeys(ctx, params.id) };
    }, {
      role: 'viewer',
      params: idParams,
      detail: {
        tags,
        security,
        responses: ADMIN_RESPONSES.provider, summary: 'One provider, with its key pool',
        description:
          '`keys` lists the pool: the provider\'s own key (`id` `main` when stored here, `env` from `<P>_API_KEY`, weight 1) and the added keys, ' +
          'each with `last4` only, `weight`, `state` (`active`, `cooling` until `cooling_until` after a 429 or a 402 (out of credit), `set_aside` after a 401/403 until the key is ' +
          'changed or re-added, or the gateway restarts (without Redis, which keeps it across restarts)), `models` (the models, or Anthropic model classes, the key is cooling or set aside for ' +
          'while it serves the others: a 429 where the provider limits per model, a 403 refusing one model) and `usage_24h` (requests whose last try used the key).',
      },
    })
    .post('/api/providers/:id/keys', ({ params, body, set }) => {
      set.status = 201;
      return addProviderKey(ctx, params.id, body);
    }, {
      role: 'admin',
      params: idParams,
      body: t.Object({
        key: t.String({ minLength: 1, maxLength: 4000 }),
        weight: t.Optional(jsonInteger({ minimum: 1, maximum: MAX_KEY_WEIGHT })),
        label: t.Optional(t.Nullable(t.String({ maxLength: 64 }))),
      }),
      detail: {
        tags,
        security,
        responses: ADMIN_RESPONSES.addProviderKey, summary: 'Add a key to the provider\'s pool',
        description:
          'Returns 201 `{id, label, last4, weight}`. The key is stored AES-256-GCM encrypted and never returned. Requests spread over the pool by ' +
          '`weight` (default 1); a key answered 429 cools down for its `retry-after` (else 60 s), one answered 402 (out of credit) for 10 minutes, one answered 401/403 is set aside, and the ' +
          'request is tried on the next key before the group\'s next target. A key already in the pool is refused (409 `duplicate_provider_key`).',
      },
    })
    .patch('/api/providers/:id/keys/:key_id', ({ params, body }) => {
      return updateProviderKey(ctx, params.id, params.key_id, body);
    }, {
      role: 'admin',
      params: keyParams,
      body: t.Object({
        weight: t.Optional(jsonInteger({ minimum: 1, maximum: MAX_KEY_WEIGHT })),
        label: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 64 }))),
      }),
      detail: {
        tags,
        security,
        responses: ADMIN_RESPONSES.patchProviderKey, summary: 'Change a pool key\'s weight and/or label',
        description:
          '`{weight?, label?}` (only the fields sent change; in force at once; `label: null` gives the key its default label, `key-<last4>`) -> `{id, label, last4, weight}`. A cooling or set-aside key stays so. ' +
          'The provider\'s own key (`main`, `env`) always weighs 1: 409 `own_provider_key`.',
      },
    })
    .delete('/api/providers/:id/keys/:key_id', ({ params }) => {
      return deleteProviderKey(ctx, params.id, params.key_id);
    }, {
      role: 'admin',
      params: keyParams,
      detail: {
        tags,
        security,
        responses: ADMIN_RESPONSES.deleteProviderKey, summary: 'Remove a key from the pool',
        description: '`main` clears the provider\'s own stored key (as PATCH `api_key: null`); `env` is refused (409): it comes from the environment.',
      },
    })
    .patch('/api/providers/:id', ({ params, body }) => {
      return setProviderSettings(ctx, params.id, body);
    }, {
      role: 'admin',
      params: idParams,
      body: t.Object({
        enabled: t.Optional(t.Nullable(t.Boolean())),
        base_url: t.Optional(t.Nullable(t.String({ maxLength: 2000 }))),
        api_key: t.Optional(t.Nullable(t.String({ maxLength: 4000 }))),
      }),
      detail: {
        tags,
        security,
        responses: ADMIN_RESPONSES.patchProvider, summary: 'Change provider settings',
        description:
          '`null` clears a value so the environment applies again. `api_key` is stored AES-256-GCM encrypted and never returned. ' +
          '`base_url` is stored as calls use it: an endpoint the gateway appends (`…/v1/chat/completions`), Anthropic\'s `/v1`, Gemini\'s ' +
          '`/v1beta/openai` taken off, a provider\'s own host without a path (`https://api.openai.com`) given its `/v1`; `base_url_note` says what was changed (null: nothing).',
      },
    })
    .post('/api/providers/:id/test', ({ params }) => {
      return testProviderConnection(ctx, params.id);
    }, { role: 'admin', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.testProvider, summary: 'Test the connection (lists the upstream\'s models with the stored key)' } });
}
