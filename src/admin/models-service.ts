import { asc, eq } from 'drizzle-orm';
import { models } from '../db/schema';
import { notFound } from '../errors/api-error';
import type { AdminDeps } from './admin-deps';
import { checkModelPatch } from './model-patch-limits';

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
}

/**
 * The nullable numeric columns read and patched as they are: the long-context tier, audio prices
 * and processing-tier multipliers (API field -> column), shared by the view and the patch.
 */
const NULLABLE_COLUMNS = {
  long_context_threshold: 'longContextThreshold',
  long_context_input_price: 'longContextInputPrice',
  long_context_cached_input_price: 'longContextCachedInputPrice',
  long_context_cache_write_price: 'longContextCacheWritePrice',
  long_context_output_price: 'longContextOutputPrice',
  long_context_reasoning_price: 'longContextReasoningPrice',
  audio_input_price: 'audioInputPrice',
  audio_output_price: 'audioOutputPrice',
  flex_price_multiplier: 'flexPriceMultiplier',
  priority_price_multiplier: 'priorityPriceMultiplier',
} as const satisfies Record<string, keyof typeof models.$inferSelect>;
type NullableField = keyof typeof NULLABLE_COLUMNS;

export interface ModelPatch extends Partial<Record<NullableField, number | null>> {
  enabled?: boolean;
  input_price?: number;
  cached_input_price?: number | null;
  output_price?: number;
  reasoning_price?: number | null;
  image_price?: number | null;
  cache_write_price?: number | null;
}

type Row = typeof models.$inferSelect;
const view = (r: Row): ModelView => ({
  id: r.id, provider: r.provider, upstream_id: r.upstreamId, kind: r.kind, enabled: r.enabled,
  input_price: r.inputPrice, cached_input_price: r.cachedInputPrice, output_price: r.outputPrice,
  reasoning_price: r.reasoningPrice, image_price: r.imagePrice, context_window: r.contextWindow, updated_at: r.updatedAt,
  cache_write_price: r.cacheWritePrice,
  ...(Object.fromEntries(Object.entries(NULLABLE_COLUMNS).map(([k, col]) => [k, r[col]])) as Record<NullableField, number | null>),
});

export async function listModels(deps: AdminDeps, provider?: string): Promise<ModelView[]> {
  const q = deps.db.select().from(models);
  const rows = await (provider ? q.where(eq(models.provider, provider)) : q).orderBy(asc(models.provider), asc(models.id));
  return rows.map(view);
}

export async function getModel(deps: AdminDeps, id: string): Promise<ModelView> {
  const [row] = await deps.db.select().from(models).where(eq(models.id, id));
  if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  return view(row);
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
  for (const [k, col] of Object.entries(NULLABLE_COLUMNS) as [NullableField, (typeof NULLABLE_COLUMNS)[NullableField]][]) {
    if (patch[k] !== undefined) set[col] = patch[k];
  }
  const [row] = await deps.db.update(models).set(set).where(eq(models.id, id)).returning();
  if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  await deps.state.refresh();
  return view(row);
}
