import { orConflict } from '../db/unique-violation';
import { binaryOrder } from '../db/text-order';
import { asc, eq } from 'drizzle-orm';
import { genaiPriceRow, SEEDED_MODEL_IDS } from '../db/seed/model-prices';
import { FREE_PROVIDERS, PROVIDER_IDS, isProviderId, type ProviderId } from '../providers/types';
import { validateGroups } from '../routing';
import { models } from '../db/schema';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import type { AdminDeps } from './admin-deps';
import { checkModelPatch } from './model-patch-limits';
import { refuseCaseTwin } from './case-twin-names';
import { NULLABLE_COLUMNS, type ModelPatch, type NullableField } from './model-patch';
import type { TimeOfDayWindow } from '../usage/time-of-day-prices';

export interface ModelView {
  id: string;
  provider: string;
  upstream_id: string;
  kind: 'chat' | 'image' | 'embedding';
  enabled: boolean;
  /** USD per 1M tokens; `image_price` per image. Null cached/reasoning: billed as input/output. */
  input_price: number;
  cached_input_price: number | null;
  output_price: number;
  reasoning_price: number | null;
  image_price: number | null;
  context_window: number | null;
  updated_at: number;
  /** USD per 1M prompt tokens written to the provider's cache (5-minute rate); null: billed as input. */
  cache_write_price: number | null;
  /**
   * Long-context tier: from this many prompt tokens (input with cache reads and writes) on, the
   * whole request bills at the long_context_* prices, each null one keeping its base price; null: no tier.
   */
  long_context_threshold: number | null;
  long_context_input_price: number | null;
  long_context_cached_input_price: number | null;
  long_context_cache_write_price: number | null;
  long_context_output_price: number | null;
  long_context_reasoning_price: number | null;
  /** USD per 1M audio tokens of the prompt / the output (OpenAI's audio models); null: billed as text. */
  audio_input_price: number | null;
  audio_output_price: number | null;
  /** Every token price times this for an answer OpenAI served at service_tier flex / priority; null: standard prices. */
  flex_price_multiplier: number | null;
  priority_price_multiplier: number | null;
  /** Every token price times this for an answer Anthropic ran in fast mode / only in the US (inference_geo us); null: standard prices. */
  fast_price_multiplier: number | null;
  us_inference_price_multiplier: number | null;
  /** The most output tokens the model writes per answer; a request asking for more is sent with this many. Null: unknown, sent as asked. */
  max_output_tokens: number | null;
  /**
   * Time-of-day prices (DeepSeek's peak and off-peak hours, from genai-prices; read-only): daily UTC
   * windows `[start, end)` (an end before the start crosses midnight), on every day or only on their
   * `days` (UTC weekdays), in which these token prices replace the flat ones for a request that starts inside. Null: the flat prices all day. A change
   * of input, cached input, cache-write or output price clears them: a price set by hand holds all day.
   */
  time_of_day_prices: TimeOfDayWindow[] | null;
}

/** The flat prices a time-of-day window replaces: changing one by hand ends the windows (updateModel). */
const WINDOW_PRICES = {
  input_price: 'inputPrice', cached_input_price: 'cachedInputPrice', cache_write_price: 'cacheWritePrice', output_price: 'outputPrice',
} as const;
const WINDOW_PRICE_FIELDS = Object.keys(WINDOW_PRICES) as (keyof typeof WINDOW_PRICES)[];

type Row = typeof models.$inferSelect;
const windowPriceColumns = { inputPrice: models.inputPrice, cachedInputPrice: models.cachedInputPrice, cacheWritePrice: models.cacheWritePrice, outputPrice: models.outputPrice };
const view = (r: Row): ModelView => ({
  id: r.id, provider: r.provider, upstream_id: r.upstreamId, kind: r.kind, enabled: r.enabled,
  input_price: r.inputPrice, cached_input_price: r.cachedInputPrice, output_price: r.outputPrice,
  reasoning_price: r.reasoningPrice, image_price: r.imagePrice, context_window: r.contextWindow, updated_at: r.updatedAt,
  cache_write_price: r.cacheWritePrice,
  ...(Object.fromEntries(Object.entries(NULLABLE_COLUMNS).map(([k, col]) => [k, r[col]])) as Record<NullableField, number | null>),
  time_of_day_prices: r.timeOfDayPrices?.length ? r.timeOfDayPrices : null,
});

export async function listModels(deps: AdminDeps, provider?: string): Promise<ModelView[]> {
  const q = deps.db.select().from(models);
  const rows = await (provider ? q.where(eq(models.provider, provider)) : q).orderBy(asc(binaryOrder(deps.db, models.provider)), asc(binaryOrder(deps.db, models.id)));
  return rows.map(view);
}

export async function getModel(deps: AdminDeps, id: string): Promise<ModelView> {
  const [row] = await deps.db.select().from(models).where(eq(models.id, id));
  if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  return view(row);
}

/** The nullable columns a patch names, copied onto a row being inserted or updated. */
function copyNullableColumns(patch: ModelPatch, row: Partial<typeof models.$inferInsert>): void {
  for (const [k, col] of Object.entries(NULLABLE_COLUMNS) as [NullableField, (typeof NULLABLE_COLUMNS)[NullableField]][]) {
    if (patch[k] !== undefined) row[col] = patch[k];
  }
}

/** Enables/disables a model or changes its prices; the request path sees it at once. */
export async function updateModel(deps: AdminDeps, id: string, patch: ModelPatch): Promise<ModelView> {
  checkModelPatch(patch);
  const set: Partial<typeof models.$inferInsert> = { updatedAt: Date.now() };
  if (patch.enabled !== undefined) set.enabled = patch.enabled;
  if (patch.input_price !== undefined) set.inputPrice = patch.input_price;
  if (patch.cached_input_price !== undefined) set.cachedInputPrice = patch.cached_input_price;
  if (patch.output_price !== undefined) set.outputPrice = patch.output_price;
  if (patch.reasoning_price !== undefined) set.reasoningPrice = patch.reasoning_price;
  if (patch.image_price !== undefined) set.imagePrice = patch.image_price;
  if (patch.cache_write_price !== undefined) set.cacheWritePrice = patch.cache_write_price;
  if (patch.context_window !== undefined) set.contextWindow = patch.context_window;
  copyNullableColumns(patch, set);
  // Nothing to change (`{}`): the row as it is, its updated_at kept (a script's empty PATCH said it changed).
  if (Object.keys(set).length === 1) {
    const [row] = await deps.db.select().from(models).where(eq(models.id, id));
    if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
    return view(row);
  }
  // An admin's flat price is the price all day: a changed token price ends the time-of-day windows
  // (a form sending the prices it showed, unchanged, keeps them).
  const [before] = await deps.db.select({ id: models.id, ...windowPriceColumns, windows: models.timeOfDayPrices }).from(models).where(eq(models.id, id));
  if (!before) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  const changed = WINDOW_PRICE_FIELDS.some((k) => patch[k] !== undefined && patch[k] !== before[WINDOW_PRICES[k]]);
  if (before.windows && changed) set.timeOfDayPrices = null;
  const [row] = await deps.db.update(models).set(set).where(eq(models.id, id)).returning();
  if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  await deps.state.refresh();
  return view(row);
}

/** A model an admin adds: its id and provider, and what a patch sets (prices default to genai-prices'). */
export interface ModelInput extends ModelPatch {
  id: string;
  provider: string;
  /** The id sent upstream; default: `id` (less a `provider/` prefix of its own provider). */
  upstream_id?: string;
  kind?: 'chat' | 'image' | 'embedding';
}

/** What a model id may be (the API's schema and the dashboard's form hold to it): Ollama's `qwen3:8b`, `hf.co/…`. */
export const MODEL_ID_MAX_CHARS = 200;
export const MODEL_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$';
const MODEL_ID_RE = new RegExp(MODEL_ID_PATTERN);
/** What a model id must be, in words (the API's schema says it for `id` and `upstream_id` instead of the pattern). */
export const MODEL_ID_RULE = `must be 1-${MODEL_ID_MAX_CHARS} letters, digits and . _ : / @ + -, starting with a letter or digit.`;

/** `field`: the API's name (`id`, `upstream_id`), quoted as the API's messages quote it; the dashboard shows its form label instead. */
function checkModelId(value: string, field: 'id' | 'upstream_id'): void {
  if (value.length > MODEL_ID_MAX_CHARS || !MODEL_ID_RE.test(value)) throw badRequest(`'${field}' ${MODEL_ID_RULE}`, field);
}

/**
 * Adds a model to the table (201). Prices not given come from the bundled genai-prices data when
 * it lists the model, are 0 on the local providers (Ollama, mock), and must be given otherwise.
 */
export async function createModel(deps: AdminDeps, input: ModelInput): Promise<ModelView> {
  const { id, provider, upstream_id, kind = 'chat', enabled = true, ...patch } = input;
  checkModelId(id, 'id');
  if (!isProviderId(provider)) throw badRequest(`Unknown provider '${provider}'. Known: ${PROVIDER_IDS.join(', ')}.`, 'provider');
  const upstreamId = upstream_id ?? (id.startsWith(`${provider}/`) ? id.slice(provider.length + 1) : id);
  checkModelId(upstreamId, 'upstream_id');
  if (!['chat', 'image', 'embedding'].includes(kind)) throw badRequest(`kind must be chat, image or embedding.`, 'kind');
  checkModelPatch(patch);
  const exists = () => new ApiError({ status: 409, message: `A model '${id}' exists; use PATCH /api/models/${encodeURIComponent(id)} to change it.`, code: 'model_exists', param: 'id' });
  if ((await deps.db.select({ id: models.id }).from(models).where(eq(models.id, id))).length) throw exists();
  if (deps.state.getSnapshot().groups.has(id))
    throw new ApiError({ status: 409, message: `'${id}' is a model group's name; a model of that name would hide the group.`, code: 'group_exists', param: 'id' });
  refuseCaseTwin(deps, id, 'model');
  const now = Date.now();
  const source = genaiPriceRow(provider, upstreamId, now, kind === 'image' ? 'image' : 'chat');
  const free = FREE_PROVIDERS.has(provider as ProviderId);
  const missing = (['input_price', 'output_price'] as const).find((f) => patch[f] === undefined);
  if (!source && !free && missing)
    throw badRequest(`The bundled genai-prices data has no price for ${provider}/${upstreamId}: give input_price and output_price (USD per 1M tokens).`, missing);
  const row: typeof models.$inferInsert = {
    ...(source ?? {}),
    id, provider, upstreamId, kind, enabled, updatedAt: now,
    inputPrice: patch.input_price ?? source?.inputPrice ?? 0,
    // An image model given a per-image price bills no output tokens (they are the image: billed
    // twice otherwise); without one, genai-prices' image token rate (seed/model-prices.ts).
    outputPrice: patch.output_price ?? (kind === 'image' && patch.image_price != null ? 0 : (source?.outputPrice ?? 0)),
    cachedInputPrice: patch.cached_input_price !== undefined ? patch.cached_input_price : (source?.cachedInputPrice ?? null),
    reasoningPrice: patch.reasoning_price ?? (kind === 'image' && patch.image_price != null ? null : (source?.reasoningPrice ?? null)),
    imagePrice: patch.image_price ?? null,
    cacheWritePrice: patch.cache_write_price !== undefined ? patch.cache_write_price : (source?.cacheWritePrice ?? null),
    contextWindow: patch.context_window !== undefined ? patch.context_window : (source?.contextWindow ?? null),
    // genai-prices' time-of-day windows only over its own flat prices: a token price given here holds all day.
    timeOfDayPrices: WINDOW_PRICE_FIELDS.some((k) => patch[k] !== undefined) ? null : (source?.timeOfDayPrices ?? null),
  };
  copyNullableColumns(patch, row);
  const [created] = await orConflict(deps.db.insert(models).values(row).returning(), exists);
  await deps.state.refresh();
  return view(created!);
}

/**
 * Removes a model the admin added. Refused (409) for a seeded model, which the seed would put back
 * at the next start (disable it instead), and while a group names it as a target or classifier.
 */
export async function deleteModel(deps: AdminDeps, id: string): Promise<{ id: string; deleted: true }> {
  await getModel(deps, id);
  if (SEEDED_MODEL_IDS.includes(id))
    throw new ApiError({ status: 409, message: `'${id}' is a seeded model: the seed adds it back at every start. Disable it instead (PATCH {"enabled": false}).`, code: 'model_seeded', param: 'id' });
  const snap = deps.state.getSnapshot();
  const rest = new Set(snap.models.keys());
  rest.delete(id);
  const problems = validateGroups(snap.groups.values(), rest).filter((p) => p.message.includes(`'${id}'`));
  if (problems.length) {
    const groups = [...new Set(problems.map((p) => p.group))];
    throw new ApiError({ status: 409, message: `'${id}' is still used by model group${groups.length > 1 ? 's' : ''} ${groups.map((g) => `'${g}'`).join(', ')}; change ${groups.length > 1 ? 'them' : 'it'} first.`, code: 'model_in_use', param: 'id' });
  }
  await deps.db.delete(models).where(eq(models.id, id));
  await deps.state.refresh();
  return { id, deleted: true };
}
