import { calcPrice, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import type { models } from '../schema/models';
import type { ProviderId } from '../../providers/types';
import { listedClaudeOutputLimit } from '../../providers/anthropic/anthropic-limits';
import type { TimeOfDayWindow } from '../../usage/time-of-day-prices';
import { flat, resolveSourcePrice, timeOfDayWindows, weekdayOnlyWindows } from './conditional-prices';

/**
 * Seed rows for the models table. Token prices come from `@pydantic/genai-prices` (bundled data,
 * works offline) at seed time; what it does not price comes from FALLBACK below. Prices are only
 * seeded: the operator edits them in the dashboard afterwards, and the seed never overwrites.
 */

type ModelRow = typeof models.$inferInsert;
/** A whole row (every column set), as the seed and genaiPriceRow make them. */
type FullModelRow = typeof models.$inferSelect;

interface SeedModel {
  id: string;
  provider: ProviderId;
  kind: 'chat' | 'image' | 'embedding';
  upstreamId?: string;
}

/** Hand-kept prices (USD per 1M tokens; per image for `image`) for models genai-prices lacks. */
interface HandPrice {
  input: number;
  cachedInput?: number;
  /** Prompt-cache writes, 5-minute rate (Anthropic). */
  cacheWrite?: number;
  output: number;
  /** Image output tokens (genai-prices' output_image_mtok), where they cost more than text. */
  outputImage?: number;
  image?: number;
  longContext?: SeedTier | null;
  /** Audio tokens (OpenAI's audio models), USD per 1M. */
  audioInput?: number;
  audioOutput?: number;
  /** Daily UTC windows of other token prices (DeepSeek's peak and off-peak hours). */
  timeOfDay?: TimeOfDayWindow[] | null;
}

/** A long-context tier as the models table holds it (see long_context_* in src/db/schema/models.ts). */
interface SeedTier {
  threshold: number;
  input?: number;
  cachedInput?: number;
  cacheWrite?: number;
  output?: number;
}

const SEED_MODELS: SeedModel[] = [
  ...['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.4-mini', 'gpt-5.4-nano', 'o3', 'o4-mini', 'gpt-audio', 'gpt-audio-mini']
    .map((id) => ({ id, provider: 'openai' as const, kind: 'chat' as const })),
  { id: 'dall-e-2', provider: 'openai', kind: 'image' },
  { id: 'dall-e-3', provider: 'openai', kind: 'image' },
  { id: 'gpt-image-1', provider: 'openai', kind: 'image' },
  ...['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-flash-preview']
    .map((id) => ({ id, provider: 'gemini' as const, kind: 'chat' as const })),
  { id: 'imagen-3.0-generate-002', provider: 'gemini', kind: 'image' },
  { id: 'imagen-4.0-generate-001', provider: 'gemini', kind: 'image' },
  { id: 'gemini-2.5-flash-image', provider: 'gemini', kind: 'image' },
  ...['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']
    .map((id) => ({ id, provider: 'deepseek' as const, kind: 'chat' as const })),
  { id: 'kimi-k2.6', provider: 'moonshot', kind: 'chat' },
  { id: 'moonshot-v1-8k', provider: 'moonshot', kind: 'chat' },
  { id: 'grok-4.3', provider: 'grok', kind: 'chat' },
  { id: 'grok-3-mini', provider: 'grok', kind: 'chat' },
  { id: 'grok-2-image-1212', provider: 'grok', kind: 'image' },
  { id: 'llama3', provider: 'ollama', kind: 'chat' },
  { id: 'text-embedding-3-small', provider: 'openai', kind: 'embedding' },
  { id: 'text-embedding-3-large', provider: 'openai', kind: 'embedding' },
  // LangChain's OpenAIEmbeddings sends it when no model is named.
  { id: 'text-embedding-ada-002', provider: 'openai', kind: 'embedding' },
  { id: 'gemini-embedding-001', provider: 'gemini', kind: 'embedding' },
  // Anthropic's current 4.x models, by their alias ids (the dated ids work as `anthropic/<id>`).
  ...['claude-opus-4-7', 'claude-opus-4-6', 'claude-opus-4-5', 'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5']
    .map((id) => ({ id, provider: 'anthropic' as const, kind: 'chat' as const })),
];

/** Per-image list prices at 1024x1024, standard/medium quality (the APIs' defaults). */
const IMAGE_PRICE: Record<string, number> = {
  'dall-e-2': 0.02,
  'dall-e-3': 0.04,
  // gpt-image-1 bills image output tokens ($40/1M); a medium 1024x1024 image is 1056 of them:
  // $0.04224 (OpenAI's table rounds it to $0.042, which billed every image 0.57% short).
  'gpt-image-1': (1056 * 40) / 1e6,
  'imagen-3.0-generate-002': 0.03,
  'imagen-4.0-generate-001': 0.04,
  // 1290 output tokens per 1024x1024 image at $30/1M (Google's pricing page): $0.0387, which the
  // page rounds to $0.039 (billing every image 0.78% over).
  'gemini-2.5-flash-image': (1290 * 30) / 1e6,
  // xAI's price per generated image (docs.x.ai, models and pricing).
  'grok-2-image-1212': 0.07,
};

/**
 * OpenAI's processing tiers, as multipliers of the standard prices: genai-prices has no tier
 * prices, so these are OpenAI's published ones. Flex is billed at Batch API rates, half of every
 * standard price (OpenAI's flex processing guide; o3 5/20 against 10/40 at launch, gpt-5
 * 0.625/0.0625/5 against 1.25/0.125/10), on every model OpenAI serves at flex. Priority is each
 * model's own premium, one factor on input, cached input and output alike
 * (openai.com/api-priority-processing: gpt-4o 4.25/2.125/17 = 1.7x, gpt-4o-mini 0.25/0.125/1 =
 * 5/3x, o4-mini 2/0.5/8 = 20/11x, ...); test/usage/cache-billing-openai.test.ts checks each
 * factor against OpenAI's listed priority prices. A model missing here bills a priority answer
 * at the standard prices (README).
 */
const PRIORITY_MULTIPLIER: Record<string, number> = {
  'gpt-4o': 1.7,
  'gpt-4o-mini': 5 / 3,
  'gpt-4.1': 1.75,
  'gpt-4.1-mini': 1.75,
  'gpt-5': 2,
  'gpt-5-mini': 1.8,
  'gpt-5.4-mini': 2,
  o3: 1.75,
  'o4-mini': 20 / 11,
  // Not seeded, priced for a pass-through id (`openai/gpt-5.1`, a dated snapshot, a -codex variant:
  // looked up by the model genai-prices prices it as): 2.5/0.25/20, 3.5/0.35/28, 5/0.5/30,
  // 12.5/1.25/75, 0.2/0.05/0.8 against their standard prices.
  'gpt-5.1': 2,
  'gpt-5.2': 2,
  'gpt-5.4': 2,
  'gpt-5.5': 2.5,
  'gpt-4.1-nano': 2,
};
const FLEX_MULTIPLIER = 0.5;

/**
 * The flex and priority multipliers a model gets (OpenAI's text chat models only), by its own id
 * or the one genai-prices prices it as (`pricedAs`: gpt-5 for gpt-5-2025-08-07 and gpt-5-codex).
 */
function serviceTierMultipliers(m: SeedModel, pricedAs: string): { flex: number | null; priority: number | null } {
  if (m.provider !== 'openai' || m.kind !== 'chat' || m.id.startsWith('gpt-audio')) return { flex: null, priority: null };
  return { flex: FLEX_MULTIPLIER, priority: PRIORITY_MULTIPLIER[m.id] ?? PRIORITY_MULTIPLIER[pricedAs] ?? null };
}

/**
 * Audio prices (USD per 1M) of OpenAI's audio models that genai-prices lists with their text prices
 * only, by the id it prices them as (OpenAI's model pages: gpt-4o-audio-preview 40 in / 80 out,
 * gpt-4o-mini-audio-preview 10 / 20); without them their audio billed at the text prices, 16x short.
 */
const OPENAI_AUDIO_PRICE: Record<string, { audioInput: number; audioOutput: number }> = {
  'gpt-4o-audio-preview': { audioInput: 40, audioOutput: 80 },
  'gpt-4o-mini-audio-preview': { audioInput: 10, audioOutput: 20 },
};

/**
 * Anthropic's price multipliers, on every token price (cache reads and writes included), for an
 * answer whose usage says it ran in fast mode (`speed: "fast"`: 6x on Opus 4.6 and 4.7, Anthropic's
 * fast-mode page) or only in the US (`inference_geo: "us"`: 1.1x on Opus 4.6, Sonnet 4.6 and later;
 * the older models refuse the parameter). genai-prices has neither. Migration 0018 (pg 0010) writes
 * the same numbers into existing databases: keep the two in step.
 */
export const FAST_MULTIPLIER: Record<string, number> = { 'claude-opus-4-7': 6, 'claude-opus-4-6': 6 };
export const US_INFERENCE_MULTIPLIER: Record<string, number> = { 'claude-opus-4-7': 1.1, 'claude-opus-4-6': 1.1, 'claude-sonnet-4-6': 1.1 };

/**
 * The most output tokens each seeded chat model writes per answer, from the providers' model pages
 * (genai-prices does not carry them); a request asking for more is sent with this many
 * (src/proxy/output-limit.ts). DeepSeek: deepseek-chat 8K, deepseek-reasoner 64K (taken as 64,000,
 * the lower reading of "64K"); Gemini's API pages: 8,192 for 2.0 Flash, 65,536 for 2.5 and 3 Flash;
 * OpenAI's model pages; Anthropic's from providers/anthropic/anthropic-limits.ts, the one list of Claude limits. A model missing here (Moonshot, Grok, DeepSeek
 * V4, the newest OpenAI and Anthropic ids) is left unknown and sent as asked. Migration 0017 (pg
 * 0009) writes the same numbers into existing databases: keep the two in step.
 */
export const SEED_MAX_OUTPUT_TOKENS: Readonly<Record<string, number>> = {
  'gpt-4o': 16_384,
  'gpt-4o-mini': 16_384,
  'gpt-4.1': 32_768,
  'gpt-4.1-mini': 32_768,
  'gpt-5': 128_000,
  'gpt-5-mini': 128_000,
  o3: 100_000,
  'o4-mini': 100_000,
  'gemini-2.0-flash': 8_192,
  'gemini-2.5-flash': 65_536,
  'gemini-2.5-pro': 65_536,
  'gemini-3-flash-preview': 65_536,
  'deepseek-chat': 8_192,
  'deepseek-reasoner': 64_000,
  // Claude's from the one list of their limits (claude-opus-4-6 128,000; the other 4.5s 64,000).
  ...Object.fromEntries(
    SEED_MODELS.filter((m) => m.provider === 'anthropic').flatMap((m) => {
      const limit = listedClaudeOutputLimit(m.id);
      return limit ? [[m.id, limit]] : [];
    }),
  ),
};

/** Models genai-prices has no entry for (per-image models, and local Ollama which is free). */
const FALLBACK: Record<string, HandPrice> = {
  'dall-e-2': { input: 0, output: 0 },
  'dall-e-3': { input: 0, output: 0 },
  'imagen-3.0-generate-002': { input: 0, output: 0 },
  'imagen-4.0-generate-001': { input: 0, output: 0 },
  'grok-2-image-1212': { input: 0, output: 0 },
  llama3: { input: 0, cachedInput: 0, output: 0 },
};

/**
 * Context windows (input tokens) kept by hand for seeded models genai-prices gives none, from the
 * providers' model pages; genai-prices' own window wins where it has one. A model whose provider
 * documents no token window stays unknown: dall-e-2 and dall-e-3 (prompt limits in characters),
 * gpt-image-1, grok-2-image-1212. Migration 0027 (pg 0019) writes the same numbers into existing
 * databases where the window is still unknown: keep the two in step.
 */
export const SEED_CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  // Ollama's llama3 (Meta Llama 3: 8K context).
  llama3: 8_192,
  // Google's Gemini 2.5 Pro model page: maximum input tokens 1,048,576.
  'gemini-2.5-pro': 1_048_576,
  // Not here: gemini-embedding-001's 2,048 is a limit per input, not per request (a batch holds many,
  // and a budget's worst case bounds the whole request's prompt by the window), and Imagen's 480 is a
  // prompt limit of an image model priced per image.
};

/** A model's hand-kept window: only the seeded id on its seeded provider (not a pass-through of it elsewhere). */
const handContextWindow = (m: SeedModel): number | null =>
  SEED_MODELS.some((s) => s.id === m.id && s.provider === m.provider) ? (SEED_CONTEXT_WINDOWS[m.id] ?? null) : null;

/** genai-prices names some providers differently. */
const SOURCE_PROVIDER: Record<ProviderId, string> = {
  openai: 'openai', gemini: 'google', deepseek: 'deepseek', moonshot: 'moonshotai', grok: 'x-ai', ollama: 'ollama', mock: 'mock',
  anthropic: 'anthropic',
};


const TIER_KEYS = { input: 'input_mtok', cachedInput: 'cache_read_mtok', cacheWrite: 'cache_write_mtok', output: 'output_mtok' } as const;

/**
 * genai-prices' tiered prices as one long-context tier. It bills a tier once the prompt's input
 * tokens (cache reads and writes included) exceed the tier's `start`, so the table's threshold,
 * "from this many tokens on", is start + 1. A price kind without tiers keeps its base price at
 * any length, as it does in genai-prices. The table holds one tier: other shapes stop the seed.
 */
export function longContextTier(modelId: string, p: ModelPrice): SeedTier | null {
  let threshold: number | undefined;
  const prices: Omit<SeedTier, 'threshold'> = {};
  for (const [kind, key] of Object.entries(TIER_KEYS) as [keyof typeof TIER_KEYS, string][]) {
    const v = p[key];
    if (!v || typeof v !== 'object') continue;
    const [only, ...more] = v.tiers;
    if (!only || more.length || (threshold !== undefined && threshold !== only.start + 1)) {
      throw new Error(`seed: ${modelId}'s ${key} tiers do not fit one long-context tier; price it in FALLBACK in model-prices.ts`);
    }
    threshold = only.start + 1;
    prices[kind] = only.price;
  }
  return threshold === undefined ? null : { threshold, ...prices };
}

/**
 * Long-context tiers genai-prices lacks, by its model id (a dated id and its aliases share it).
 * Claude Sonnet 4 with the context-1m beta bills a prompt over 200K tokens (cache reads and writes
 * included) at $6 input and $22.50 output, cache reads and writes at their usual multiples of the
 * input price: Anthropic's pricing page ("Long context pricing") lists it beside Sonnet 4.5, whose
 * tier genai-prices carries.
 */
const MISSING_LONG_CONTEXT: Readonly<Record<string, SeedTier>> = {
  'claude-sonnet-4-0': { threshold: 200_001, input: 6, cachedInput: 0.6, cacheWrite: 7.5, output: 22.5 },
};

/** An OpenAI model's audio prices: genai-prices' own, else OPENAI_AUDIO_PRICE's for the model it prices it as. */
function openAIAudioPrices(p: ReturnType<typeof resolveSourcePrice>, pricedAs: string): Pick<HandPrice, 'audioInput' | 'audioOutput'> {
  const known = OPENAI_AUDIO_PRICE[pricedAs];
  return { audioInput: flat(p.input_audio_mtok) ?? known?.audioInput, audioOutput: flat(p.output_audio_mtok) ?? known?.audioOutput };
}

function sourcePrice(m: SeedModel, now: number): { price: HandPrice; contextWindow?: number; pricedAs: string } | null {
  if (m.provider === 'ollama' || m.provider === 'mock') return null;
  const found = calcPrice({ input_tokens: 0, output_tokens: 0 }, m.id, {
    providerId: SOURCE_PROVIDER[m.provider],
    timestamp: new Date(now),
  });
  if (!found) return null;
  const p = resolveSourcePrice(found.model, now);
  const timeOfDay = weekdayOnlyWindows(SOURCE_PROVIDER[m.provider], found.model.id, timeOfDayWindows(m.id, found.model, p, now));
  const input = flat(p.input_mtok);
  // Embedding models have no output tokens, and genai-prices lists no output price for them.
  const output = flat(p.output_mtok) ?? (m.kind === 'embedding' ? 0 : undefined);
  if (input === undefined || output === undefined) return null;
  return {
    price: {
      input, cachedInput: flat(p.cache_read_mtok), cacheWrite: flat(p.cache_write_mtok), output, outputImage: flat(p.output_image_mtok),
      longContext: longContextTier(m.id, p) ?? MISSING_LONG_CONTEXT[found.model.id] ?? null,
      // Audio tokens are read from OpenAI's usage (prompt and completion) and Gemini's (the prompt's
      // AUDIO modality: usage/gemini-usage.ts); the other providers report none.
      ...(m.provider === 'openai' ? openAIAudioPrices(p, found.model.id) : {}),
      ...(m.provider === 'gemini' ? { audioInput: flat(p.input_audio_mtok) } : {}),
      timeOfDay: timeOfDay.length ? timeOfDay : null,
    },
    contextWindow: found.model.context_window,
    pricedAs: found.model.id,
  };
}

/** The seeded models' ids, for tests and docs. */
export const SEEDED_MODEL_IDS = SEED_MODELS.map((m) => m.id);

/** Rows for `models`, priced from genai-prices where it has them and from FALLBACK otherwise. */
export function seedModelRows(now: number): ModelRow[] {
  return SEED_MODELS.map((m) => {
    const source = sourcePrice(m, now);
    const price = source?.price ?? FALLBACK[m.id];
    if (!price) throw new Error(`seed: no price for ${m.provider}/${m.id}; add it to FALLBACK in model-prices.ts`);
    return modelRow(m, price, source?.contextWindow ?? handContextWindow(m), now, source?.pricedAs);
  });
}

/**
 * A models-table row for a model the table does not hold, priced from the bundled genai-prices
 * data as the seed prices its own (null when genai-prices has no price for it). A listed price
 * without an output price is an embedding model's (genai-prices lists none for them), billed as one.
 */
export function genaiPriceRow(provider: ProviderId, id: string, now: number, kind: 'chat' | 'image' = 'chat'): FullModelRow | null {
  const m: SeedModel = { id, provider, kind };
  try {
    const source = sourcePrice(m, now) ?? sourcePrice({ ...m, kind: 'embedding' }, now);
    return source ? modelRow(m, source.price, source.contextWindow ?? handContextWindow(m), now, source.pricedAs) : null;
  } catch {
    // Tiers the table cannot hold (longContextTier): unpriced rather than a failed request.
    return null;
  }
}

/** A seeded Claude model's fast-mode and US-only multipliers (null elsewhere, and for a pass-through id). */
function anthropicMultipliers(m: SeedModel): { fastPriceMultiplier: number | null; usInferencePriceMultiplier: number | null } {
  const seeded = m.provider === 'anthropic' && SEED_MODELS.some((s) => s.id === m.id && s.provider === m.provider);
  return { fastPriceMultiplier: seeded ? (FAST_MULTIPLIER[m.id] ?? null) : null, usInferencePriceMultiplier: seeded ? (US_INFERENCE_MULTIPLIER[m.id] ?? null) : null };
}

/**
 * An image model's output and reasoning prices. With a per-image price (IMAGE_PRICE) its output
 * tokens ARE the image, so pricing them as tokens too would bill every picture twice: 0. Without
 * one (a model priced from genai-prices alone: gpt-image-1.5, gemini-3-pro-image-preview) the image
 * bills by its output tokens at the image rate (output_image_mtok, else output_mtok, which is the
 * image rate of gpt-image-1-mini), and thinking (Gemini's thoughts) at the text rate.
 */
function imageTokenPrices(m: SeedModel, price: HandPrice): { output: number; reasoning: number | null } {
  if (IMAGE_PRICE[m.id] !== undefined) return { output: 0, reasoning: null };
  return { output: price.outputImage ?? price.output, reasoning: price.outputImage !== undefined ? price.output : null };
}

function modelRow(m: SeedModel, price: HandPrice, contextWindow: number | null, now: number, pricedAs = m.id): FullModelRow {
  const image = m.kind === 'image';
  const imageTokens = image ? imageTokenPrices(m, price) : null;
  const tiers = serviceTierMultipliers(m, pricedAs);
  return {
    id: m.id,
    provider: m.provider,
    upstreamId: m.upstreamId ?? m.id,
    kind: m.kind,
    enabled: true,
    inputPrice: price.input,
    cachedInputPrice: price.cachedInput ?? null,
    outputPrice: imageTokens ? imageTokens.output : price.output,
    reasoningPrice: imageTokens?.reasoning ?? null,
    imagePrice: image ? (IMAGE_PRICE[m.id] ?? null) : null,
    contextWindow,
    updatedAt: now,
    cacheWritePrice: price.cacheWrite ?? null,
    longContextThreshold: price.longContext?.threshold ?? null,
    longContextInputPrice: price.longContext?.input ?? null,
    longContextCachedInputPrice: price.longContext?.cachedInput ?? null,
    longContextCacheWritePrice: price.longContext?.cacheWrite ?? null,
    longContextOutputPrice: price.longContext?.output ?? null,
    longContextReasoningPrice: null,
    audioInputPrice: price.audioInput ?? null,
    audioOutputPrice: price.audioOutput ?? null,
    flexPriceMultiplier: tiers.flex,
    priorityPriceMultiplier: tiers.priority,
    ...anthropicMultipliers(m),
    // Keyed by the seeded id on its own provider (a `provider/<id>` pass-through of it gets it too).
    maxOutputTokens: SEED_MODELS.some((s) => s.id === m.id && s.provider === m.provider) ? (SEED_MAX_OUTPUT_TOKENS[m.id] ?? null) : null,
    timeOfDayPrices: price.timeOfDay ?? null,
  };
}
