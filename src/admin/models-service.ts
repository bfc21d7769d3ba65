import { asc, eq } from 'drizzle-orm';
import { models } from '../db/schema';
import { notFound } from '../errors/api-error';
import type { AdminDeps } from './admin-deps';

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
}

export interface ModelPatch {
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
});

export function listModels(deps: AdminDeps, provider?: string): ModelView[] {
  const q = deps.db.select().from(models);
  const rows = (provider ? q.where(eq(models.provider, provider)) : q).orderBy(asc(models.provider), asc(models.id)).all();
  return rows.map(view);
}

export function getModel(deps: AdminDeps, id: string): ModelView {
  const row = deps.db.select().from(models).where(eq(models.id, id)).get();
  if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  return view(row);
}

/** Enables/disables a model or changes its prices; the request path sees it at once. */
export function updateModel(deps: AdminDeps, id: string, patch: ModelPatch): ModelView {
  const set: Partial<typeof models.$inferInsert> = { updatedAt: Date.now() };
  if (patch.enabled !== undefined) set.enabled = patch.enabled;
  if (patch.input_price !== undefined) set.inputPrice = patch.input_price;
  if (patch.cached_input_price !== undefined) set.cachedInputPrice = patch.cached_input_price;
  if (patch.output_price !== undefined) set.outputPrice = patch.output_price;
  if (patch.reasoning_price !== undefined) set.reasoningPrice = patch.reasoning_price;
  if (patch.image_price !== undefined) set.imagePrice = patch.image_price;
  if (patch.cache_write_price !== undefined) set.cacheWritePrice = patch.cache_write_price;
  const row = deps.db.update(models).set(set).where(eq(models.id, id)).returning().get();
  if (!row) throw notFound(`No model '${id}' in the models table.`, 'model_not_found', 'id');
  deps.state.reload();
  return view(row);
}
