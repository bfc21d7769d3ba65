import type { ModelPrices } from './price-types';
import type { Usage } from './types';

const PER_TOKEN = 1 / 1_000_000;

/**
 * Anthropic prices both prompt-cache writes as multiples of the base input price: a 5-minute
 * write 1.25x (the model's `cacheWrite` price), a 1-hour write 2x.
 */
const ONE_HOUR_WRITE_MULTIPLIER = 2;

/**
 * USD per 1M tokens of a 1-hour prompt-cache write: twice the input price on a model that prices
 * cache writes (Anthropic's rule; genai-prices' cache_write_1h_mtok is exactly that for every
 * Claude model), the input price on one that does not (its writes all bill at the input price).
 */
export function cacheWrite1hPrice(prices: Pick<ModelPrices, 'input' | 'cacheWrite'>): number {
  return prices.cacheWrite == null ? prices.input : prices.input * ONE_HOUR_WRITE_MULTIPLIER;
}

/**
 * USD per 1M cached audio prompt tokens: the audio input price discounted as the model discounts
 * cached text (cachedInput / input). Google prices a cache hit as that share of the modality's own
 * input price: genai-prices' cache_audio_read_mtok is exactly this for every Gemini model with
 * audio (2.0 Flash 0.7 x 0.25 = 0.175, 2.5 Flash 1 x 0.1 = 0.1, 2.5 Flash-Lite 0.3 x 0.1 = 0.03).
 * A model without an audio price bills cached audio as cached text.
 */
export function cachedAudioPrice(prices: Pick<ModelPrices, 'input' | 'cachedInput' | 'audioInput'>): number {
  const cached = prices.cachedInput ?? prices.input;
  if (prices.audioInput == null || !(prices.input > 0)) return cached;
  return (prices.audioInput * cached) / prices.input;
}

/**
 * The prices a request with this many prompt tokens (input including cache reads and writes)
 * bills at: the long-context tier's once the prompt reaches its threshold, for every token of the
 * request (Anthropic's and Google's rule, and genai-prices' calcPrice), each unset tier price
 * keeping the base price of its kind.
 */
export function pricesForPrompt(prices: ModelPrices, promptTokens: number): ModelPrices {
  const tier = prices.longContext;
  if (!tier || promptTokens < tier.threshold) return prices;
  const { longContext: _, ...rest } = prices;
  return {
    ...rest,
    input: tier.input ?? prices.input,
    cachedInput: tier.cachedInput ?? prices.cachedInput,
    cacheWrite: tier.cacheWrite ?? prices.cacheWrite,
    output: tier.output ?? prices.output,
    reasoning: tier.reasoning ?? prices.reasoning,
  };
}

/** The dearest rate any one prompt token of this model can bill at (for worst-case reservations). */
export function highestInputPrice(prices: ModelPrices): number {
  return Math.max(prices.input, prices.cachedInput ?? 0, prices.cacheWrite ?? 0, cacheWrite1hPrice(prices), prices.audioInput ?? 0);
}

/** The dearest rate any one output token of this model can bill at (for worst-case reservations). */
export function highestOutputPrice(prices: ModelPrices): number {
  return Math.max(prices.output, prices.reasoning ?? 0, prices.audioOutput ?? 0);
}

/**
 * What every token price is multiplied by for a request served at this processing tier: the
 * model's flex or priority multiplier; 1 (the standard prices) for standard, or a tier the model
 * has no multiplier for.
 */
export function serviceTierMultiplier(prices: ModelPrices, tier: Usage['serviceTier']): number {
  if (tier === 'flex') return prices.flexMultiplier ?? 1;
  if (tier === 'priority') return prices.priorityMultiplier ?? 1;
  return 1;
}

/**
 * What every token price is multiplied by for an answer Anthropic ran in fast mode and/or only in
 * the US: the model's multiplier for each (they stack); 1 for neither, or a model without one.
 */
export function anthropicModeMultiplier(prices: ModelPrices, usage: Pick<Usage, 'fast' | 'usOnly'>): number {
  return (usage.fast ? (prices.fastMultiplier ?? 1) : 1) * (usage.usOnly ? (prices.usInferenceMultiplier ?? 1) : 1);
}

/**
 * USD cost of one request. Prices are per 1M tokens (per image for `image`). Each token is billed
 * once, at the rate of its kind: cached input at the cached price (input price when the model has
 * none), uncached input at the input price, reasoning at the reasoning price (output price when
 * unset) and the rest of the output at the output price; plus `images` at the per-image price.
 * Prompt-cache writes (part of input, like cached input) are billed at the cache-write price
 * (input price when the model has none), those to the 1-hour cache at cacheWrite1hPrice.
 * A prompt long enough for the model's long-context tier bills all of it at the tier's prices.
 * Audio tokens (parts of the uncached input and of the visible output) bill at the audio prices
 * (the text prices when the model has none), cached audio (part of the cached input) at cachedAudioPrice. A request served at a processing tier priced apart
 * (usage.serviceTier: OpenAI's flex or priority) bills every token price times the model's
 * multiplier for it, as does one Anthropic ran in fast mode or only in the US (anthropicModeMultiplier).
 * Web searches the provider ran (usage.webSearches) are billed per search at usage.webSearchUsd when
 * the answer showed the rate, else at the model's `webSearch` price; other built-in tools' fees
 * (usage.toolFeesUsd) are added as they are.
 * Server-side sampling steps billed on their own (usage.extraSteps: Anthropic's compactions) are
 * part of the counts; each bills at its own prompt length's prices, the answer at the rest.
 */
export function computeCost(usage: Usage, modelPrices: ModelPrices, images = 0): number {
  const steps = usage.extraSteps ?? [];
  let tokensUsd = 0;
  for (const s of steps) tokensUsd += stepTokensUsd(s, modelPrices);
  tokensUsd += stepTokensUsd(steps.length ? withoutSteps(usage, steps) : usage, modelPrices);
  tokensUsd *= serviceTierMultiplier(modelPrices, usage.serviceTier) * anthropicModeMultiplier(modelPrices, usage);
  const prices = pricesForPrompt(modelPrices, Math.max(usage.input, 0));
  const imagesUsd = images > 0 ? images * (prices.image ?? 0) : 0;
  const searchesUsd = (usage.webSearches ?? 0) > 0 ? usage.webSearches! * (usage.webSearchUsd ?? modelPrices.webSearch ?? 0) : 0;
  return tokensUsd + imagesUsd + searchesUsd + Math.max(usage.toolFeesUsd ?? 0, 0);
}

type StepUsage = Pick<Usage, 'input' | 'cachedInput' | 'output' | 'reasoning' | 'cacheWrite' | 'cacheWrite1h' | 'audioInput' | 'cachedAudioInput' | 'audioOutput'>;

/** The answer's own counts: the usage less the server-side steps added into it. */
function withoutSteps(usage: Usage, steps: NonNullable<Usage['extraSteps']>): StepUsage {
  const sum = (k: 'input' | 'cachedInput' | 'output' | 'reasoning' | 'cacheWrite' | 'cacheWrite1h') =>
    Math.max((usage[k] ?? 0) - steps.reduce((t, s) => t + (s[k] ?? 0), 0), 0);
  return { ...usage, input: sum('input'), cachedInput: sum('cachedInput'), output: sum('output'), reasoning: sum('reasoning'), cacheWrite: sum('cacheWrite'), cacheWrite1h: sum('cacheWrite1h') };
}

/** USD of one sampling step's tokens at the standard tier, at the prices its prompt length reaches. */
function stepTokensUsd(usage: StepUsage, modelPrices: ModelPrices): number {
  const prices = pricesForPrompt(modelPrices, Math.max(usage.input, 0));
  const cached = Math.min(Math.max(usage.cachedInput, 0), Math.max(usage.input, 0));
  const cachedAudio = Math.min(Math.max(usage.cachedAudioInput ?? 0, 0), cached);
  const cacheWrite = Math.min(Math.max(usage.cacheWrite ?? 0, 0), Math.max(usage.input, 0) - cached);
  const cacheWrite1h = Math.min(Math.max(usage.cacheWrite1h ?? 0, 0), cacheWrite);
  const uncached = Math.max(usage.input, 0) - cached - cacheWrite;
  const audioIn = Math.min(Math.max(usage.audioInput ?? 0, 0), uncached);
  const reasoning = Math.min(Math.max(usage.reasoning, 0), Math.max(usage.output, 0));
  const visibleOutput = Math.max(usage.output, 0) - reasoning;
  const audioOut = Math.min(Math.max(usage.audioOutput ?? 0, 0), visibleOutput);
  return (
    ((uncached - audioIn) * prices.input +
      audioIn * (prices.audioInput ?? prices.input) +
      (cached - cachedAudio) * (prices.cachedInput ?? prices.input) +
      cachedAudio * cachedAudioPrice(prices) +
      (cacheWrite - cacheWrite1h) * (prices.cacheWrite ?? prices.input) +
      cacheWrite1h * cacheWrite1hPrice(prices) +
      (visibleOutput - audioOut) * prices.output +
      audioOut * (prices.audioOutput ?? prices.output) +
      reasoning * (prices.reasoning ?? prices.output)) *
    PER_TOKEN
  );
}

/**
 * USD as the API shows it, to 1e-9 (below any price's precision): a sum read from SQLite
 * (compensated summation) and from PostgreSQL (plain) then shows the same figure, as does a
 * running total of many small costs (0.1 + 0.2 + 0.3 is 0.6, not 0.6000000000000001).
 */
export const roundUsd = (usd: number): number => Math.round(usd * 1e9) / 1e9;
