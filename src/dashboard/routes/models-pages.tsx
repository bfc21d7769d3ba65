/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { createModel, deleteModel, getModel, listModels, updateModel, type ModelInput, type ModelView } from '../../admin/models-service';
import type { ModelPatch } from '../../admin/model-patch';
import type { AppContext } from '../../context';
import { badRequest } from '../../errors/api-error';
import { PROVIDER_IDS } from '../../providers/types';
import { SEEDED_MODEL_IDS } from '../../db/seed/model-prices';
import { adminRoute, attempt, field, hasField, pageRoute, pageGuard, pathParam, rawField } from '../dash-session';
import { isAdmin } from '../dash-types';
import { MULTIPLIER_FIELDS } from '../../admin/model-patch-limits';
import { formNumber } from '../form-number';
import { onOffField } from '../form-on-off';
import { formErrorsInto, fragment, pageResponse } from '../page-response';
import { audioTiersErrorSlot, MODEL_CREATE_ERRORS, ModelDeletedRow, modelRowId, ModelRowView, ModelsSection, ModelsView, ROW_PRICES, tierErrorSlot, type ModelRow } from '../pages/models-view';

const row = (m: ModelView): ModelRow => ({
  id: m.id, provider: m.provider, upstreamId: m.upstream_id, kind: m.kind, enabled: m.enabled, inputPrice: m.input_price,
  cachedInputPrice: m.cached_input_price, outputPrice: m.output_price, reasoningPrice: m.reasoning_price, imagePrice: m.image_price,
  cacheWritePrice: m.cache_write_price,
  longContext: m.long_context_threshold == null ? null : {
    threshold: m.long_context_threshold, input: m.long_context_input_price, cachedInput: m.long_context_cached_input_price,
    cacheWrite: m.long_context_cache_write_price, output: m.long_context_output_price, reasoning: m.long_context_reasoning_price,
  },
  audioInputPrice: m.audio_input_price, audioOutputPrice: m.audio_output_price,
  flexMultiplier: m.flex_price_multiplier, priorityMultiplier: m.priority_price_multiplier,
  fastMultiplier: m.fast_price_multiplier, usInferenceMultiplier: m.us_inference_price_multiplier,
  maxOutputTokens: m.max_output_tokens,
  seeded: SEEDED_MODEL_IDS.includes(m.id),
  timeOfDay: m.time_of_day_prices,
});

/** A price or token field: blank -> null (where allowed), else a number (its range, whole or not, is updateModel's check, the API's). */
function price(body: unknown, name: string, nullable: boolean): number | null | undefined {
  if (!hasField(body, name)) return undefined;
  const v = field(body, name);
  if (v === '') {
    if (nullable) return null;
    throw badRequest(`${name.replace(/_/g, ' ')} is required.`, name);
  }
  return formNumber(v, { label: name.replace(/_/g, ' '), param: name });
}

/** The tier's threshold: blank -> no tier (null), else a number of prompt tokens (range checked by updateModel). */
function threshold(body: unknown): number | null {
  return formNumber(field(body, 'long_context_threshold'), { label: 'long context threshold', param: 'long_context_threshold' });
}

const TIER_PRICES = ['long_context_input_price', 'long_context_cached_input_price', 'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price'] as const;

/** The tier editor's fields (it always sends the threshold): a blank threshold removes the whole tier. */
function tierPatchOf(body: unknown): ModelPatch {
  const t = threshold(body);
  const patch: ModelPatch = { long_context_threshold: t };
  for (const k of TIER_PRICES) patch[k] = t === null ? null : price(body, k, true) ?? null;
  return patch;
}

/** The audio/tier editor's fields (it always sends all four): a blank one is null (text prices, standard tier). */
const AUDIO_TIERS = ['audio_input_price', 'audio_output_price', ...MULTIPLIER_FIELDS] as const;
const isAudioTiersForm = (body: unknown) => AUDIO_TIERS.some((k) => hasField(body, k));

function patchOf(body: unknown): ModelPatch {
  if (hasField(body, 'long_context_threshold')) return tierPatchOf(body);
  if (isAudioTiersForm(body)) {
    const patch: ModelPatch = {};
    for (const k of AUDIO_TIERS) {
      const v = price(body, k, true);
      if (v !== undefined) patch[k] = v;
    }
    return patch;
  }
  const patch: ModelPatch = {};
  if (hasField(body, 'enabled')) patch.enabled = onOffField(body, 'enabled');
  const set = <K extends keyof ModelPatch>(k: K, v: ModelPatch[K] | undefined) => {
    if (v !== undefined) patch[k] = v;
  };
  set('input_price', price(body, 'input_price', false) as number | undefined);
  set('cached_input_price', price(body, 'cached_input_price', true));
  set('output_price', price(body, 'output_price', false) as number | undefined);
  set('reasoning_price', price(body, 'reasoning_price', true));
  set('image_price', price(body, 'image_price', true));
  set('cache_write_price', price(body, 'cache_write_price', true));
  set('max_output_tokens', price(body, 'max_output_tokens', true));
  return patch;
}

/** The row's price fields as sent, to show them again beside a refusal. */
function typedPrices(body: unknown): Record<string, string> {
  const typed: Record<string, string> = {};
  for (const k of ROW_PRICES) if (hasField(body, k)) typed[k] = rawField(body, k);
  return typed;
}

/** The "Add model" form: blank fields are left out (createModel fills prices and window from genai-prices). */
function modelInputOf(body: unknown): ModelInput {
  const input: ModelInput = { id: field(body, 'id'), provider: field(body, 'provider') };
  const upstream = field(body, 'upstream_id');
  if (upstream) input.upstream_id = upstream;
  const kind = field(body, 'kind');
  if (kind) input.kind = kind as ModelInput['kind'];
  for (const k of ['input_price', 'cached_input_price', 'output_price', 'image_price'] as const) {
    if (field(body, k) !== '') input[k] = price(body, k, false) as number;
  }
  // Its range is createModel's check.
  const window = formNumber(field(body, 'context_window'), { label: 'context window', param: 'context_window' });
  if (window !== null) input.context_window = window;
  if (field(body, 'max_output_tokens') !== '') input.max_output_tokens = price(body, 'max_output_tokens', false);
  return input;
}

const providerFilter = (v: string | undefined) => ((PROVIDER_IDS as readonly string[]).includes(v ?? '') ? v! : null);

export function modelsPages(ctx: AppContext) {
  return new Elysia({ name: 'dashboard-models-pages' })
    .use(pageGuard(ctx))
    .get('/models', async ({ user, request, query }) => {
      const provider = providerFilter(query.provider);
      const models = (await listModels(ctx, provider ?? undefined)).map(row);
      return pageResponse(request, user, 'models', 'Models',
        <ModelsView models={models} providers={[...PROVIDER_IDS]} provider={provider} admin={isAdmin(user)} />);
    }, pageRoute())
    .post('/models', async ({ body }) => {
      const r = await attempt(() => createModel(ctx, modelInputOf(body)));
      if (!r.ok) return formErrorsInto(MODEL_CREATE_ERRORS, r);
      const provider = providerFilter(field(body, 'view_provider'));
      const models = (await listModels(ctx, provider ?? undefined)).map(row);
      return fragment(<ModelsSection models={models} providers={[...PROVIDER_IDS]} provider={provider} admin added={r.value.id} />);
    }, adminRoute())
    .post('/models/:id/delete', async ({ params }) => {
      const id = pathParam(params.id);
      const r = await attempt(() => deleteModel(ctx, id));
      // Gone: a row saying so takes its place. Refused (a group names it): the row stays with the reason.
      if (r.ok) return fragment(<ModelDeletedRow id={id} />);
      const current = await attempt(() => getModel(ctx, id));
      if (!current.ok) return fragment(<tr><td colspan="10" class="form-error" safe>{current.errors.join(' ')}</td></tr>, current.errors);
      return fragment(<ModelRowView m={row(current.value)} admin error={{ message: r.errors.join(' ') }} />, r.errors);
    }, adminRoute())
    .post('/models/:id', async ({ body, params }) => {
      const id = pathParam(params.id);
      const r = await attempt(() => updateModel(ctx, id, patchOf(body)));
      if (r.ok) return fragment(<ModelRowView m={row(r.value)} admin saved />);
      // The tier editor keeps what was typed: its message goes into its own slot.
      if (hasField(body, 'long_context_threshold')) return formErrorsInto(tierErrorSlot(modelRowId(id)), r);
      if (isAudioTiersForm(body)) return formErrorsInto(audioTiersErrorSlot(modelRowId(id)), r);
      const current = await attempt(() => getModel(ctx, id));
      if (!current.ok) return fragment(<tr><td colspan="10" class="form-error" safe>{current.errors.join(' ')}</td></tr>, current.errors);
      // The row keeps what was typed, and a price's message sits under its input.
      return fragment(<ModelRowView m={row(current.value)} admin error={{ message: r.errors.join(' '), field: r.param, typed: typedPrices(body) }} />, r.errors);
    }, adminRoute());
}
