/**
 * The highest prices a model name may bill at (its own row's, or for a group the dearest of every
 * target it may reach), for the worst case a request reserves (worst-case.ts).
 */
import { FREE_PROVIDERS, isProviderId, type ProviderId } from '../providers/types';
import { maxImagePriceUnits } from '../images/image-price-units';
import { CLASSIFIER_MAX_OUTPUT_TOKENS } from '../routing/classifier-strategy';
import { pricedAs } from '../routing/resolve-concrete';
import { ollamaTwin } from '../providers/ollama/ollama-tag';
import { asksLongContext } from '../proxy/forward-headers';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import type { ModelEntry } from '../providers/model-entry';
import type { ModelPrices } from '../usage/price-types';
import { highestInputPrice, highestOutputPrice, pricesForPrompt } from '../usage/cost';
import { searchModelCallUsd } from '../usage/openai-tool-prices';
import { pricesAt } from '../usage/time-of-day-prices';

/** Output tokens allowed when the request names no limit and the model's window is unknown. */
export const DEFAULT_OUTPUT_TOKENS = 16_384;

/** One image model a name can reach and its per-image price (the default image's). */
export interface ImageModelPrice {
  provider: ProviderId;
  /** Its upstream id, which decides what a size or quality costs (image-price-units.ts). */
  model: string;
  price: number;
}

/** Highest prices among what a model name can reach (USD per 1M tokens; per image: its dearest image). */
export interface WorstPrices {
  input: number;
  output: number;
  image: number;
  /**
   * The image models the name can reach, so an images request reserves what its own quality,
   * size and `n` may cost there (worstCaseOf) rather than the dearest image any request could ask.
   */
  imageModels?: ImageModelPrice[];
  /** USD per web search a target's provider bills (Anthropic's server tool, OpenAI's Responses tool); unset: none. */
  webSearch?: number;
  /**
   * USD per request of a target that searches the web on every chat request (OpenAI's search
   * models: searchModelCallUsd), the dearest for a group; unset: none.
   */
  searchModelUsd?: number;
  /**
   * Some target is xAI's, whose Live Search (`search_parameters`, chat) bills each source it reads
   * (xaiLiveSearchSources) and whose Responses server-side tools bill each call (xaiToolsWorstUsd).
   */
  xai?: boolean;
  /** Some target is OpenAI's, whose Responses built-in tools bill beside the tokens (openAIToolsWorstUsd). */
  openAITools?: boolean;
  /** Some target is Moonshot's, whose builtin `$web_search` bills each call and its content (kimi-search-worst.ts). */
  moonshot?: boolean;
  /** A DeepSeek target: its output limit may be its thinking mode's (model-output-limit.ts). */
  deepseek?: boolean;
  /** Largest context window among the targets (unknown ones count as DEFAULT_OUTPUT_TOKENS); null for a model of unknown window. */
  contextWindow: number | null;
  /**
   * The most output tokens any target writes per answer (the gateway lowers a larger max_tokens
   * to it per target: proxy/output-limit.ts), so the output reserved is the smaller of the two;
   * for a group the largest among its targets. Unset: no bound (a target's limit is unknown).
   */
  maxOutputTokens?: number | null;
  /**
   * A prompt of at least `threshold` tokens may bill at these prices (a long-context tier); for a
   * group the lowest threshold among its targets and, above it, the dearest price of any target.
   * Unset: no target has a tier.
   */
  longContext?: { threshold: number; input: number; output: number };
  /**
   * Some target is Claude: its translated requests (chat, Responses) get a `reasoning_effort`'s
   * thinking budget on top of the asked max_tokens (providers/anthropic/anthropic-limits.ts
   * planTokens), and a request with tools a tool-use system prompt (claudeToolTokens).
   */
  claude?: boolean;
  /** Prompt tokens one image may bill at the dearest target (imageInputTokens); unset: IMAGE_INPUT_TOKENS. */
  imageInputTokens?: number;
  /**
   * USD the classifier calls of the groups the name goes through may cost (each a logged request of
   * its own, charged to the key: proxy/chat-pipeline.ts classifierCallModel); unset: none.
   */
  classifierUsd?: number;
  /** The highest priority-tier multiplier among the targets (OpenAI's service_tier priority); unset: none. */
  priorityMultiplier?: number;
  /** The highest fast-mode multiplier among the targets (Anthropic's `speed: "fast"`); unset: none. */
  fastMultiplier?: number;
  /**
   * The highest US-only inference multiplier among the targets (Anthropic's `inference_geo: "us"`);
   * unset: none. Reserved on every request: a workspace may default to US-only inference, which the
   * request does not show.
   */
  usInferenceMultiplier?: number;
  /**
   * A model the name may reach (itself, a group's target or classifier) whose price is unknown:
   * what it costs cannot be reserved nor counted, so a budgeted key is refused it. Unset: all priced.
   */
  unpriced?: string;
}

/** The dearest input and output rates of one price list. */
function dearest(p: ModelPrices): { input: number; output: number } {
  // Every prompt token may be a cache write, dearer than plain input (Anthropic: 1.25x, 2x for 1 hour),
  // or audio (gpt-audio: 32 $/M against 2.5 for text).
  return { input: highestInputPrice(p), output: highestOutputPrice(p) };
}

/** The prices a prompt of this many tokens may bill at. */
export function atPrompt(prices: WorstPrices, promptTokens: number): { input: number; output: number } {
  return prices.longContext && promptTokens >= prices.longContext.threshold ? prices.longContext : prices;
}

/** The context window Anthropic's `context-1m-*` beta opens on the Claude models that take it (those with a long-context tier). */
export const CLAUDE_1M_WINDOW = 1_000_000;

/**
 * The prices of a request that sent Anthropic's `context-1m-…` beta (forwarded to Claude as sent):
 * a Claude target with a long-context tier then takes prompts up to CLAUDE_1M_WINDOW tokens, not
 * the models table's window, so content the body does not show (a PDF by URL, fetched pages) may
 * fill that much at the tier's prices. Anything else: `prices` as they are (the same object).
 */
export function withBetaWindow(prices: WorstPrices, anthropicBeta: string | null): WorstPrices {
  if (!anthropicBeta || !prices.claude || !prices.longContext || (prices.contextWindow ?? 0) >= CLAUDE_1M_WINDOW) return prices;
  if (!asksLongContext(anthropicBeta)) return prices;
  return { ...prices, contextWindow: CLAUDE_1M_WINDOW };
}

const FREE: WorstPrices = { input: 0, output: 0, image: 0, contextWindow: null };

/**
 * Prices a name may be billed at by a request starting at `at` (epoch ms): its model entry's in
 * force then (a time-of-day window's inside one: the request bills at its start's prices), or for
 * a group the highest of each price among every target it may reach (a classifier or heuristic may
 * pick any, fallbacks may run).
 * An unknown name bills nothing; a `provider/<id>` without a price (not in the table nor in
 * genai-prices) bills nothing too, and says so in `unpriced` (the local providers are free, not unpriced).
 */
export function worstPricesOf(name: string, snap: RuntimeSnapshot, at: number = Date.now(), seen: Set<string> = new Set()): WorstPrices {
  // An Ollama model under its other tag spelling bills as the entry the request will use.
  const entry = snap.models.get(name) ?? ollamaTwin(name, snap.models);
  if (entry) return entryWorstPrices(entry, at);
  const slash = name.indexOf('/');
  if (slash > 0 && isProviderId(name.slice(0, slash))) {
    const provider = name.slice(0, slash);
    const known = pricedAs(provider, name.slice(slash + 1), snap);
    if (known) return entryWorstPrices(known, at);
    return FREE_PROVIDERS.has(provider as ProviderId) ? FREE : { ...FREE, unpriced: name };
  }
  const group = snap.groups.get(name);
  if (!group || seen.has(name)) return FREE;
  seen.add(name);
  const w: WorstPrices = { input: 0, output: 0, image: 0, contextWindow: 0 };
  let maxOutput: number | null = 0;
  // A classifier group's scoring call is billed as its own row, charged to the key when it lands:
  // reserved here beside the request's own cost.
  const classifier = group.strategy === 'classifier' ? group.settings.classifier_model : undefined;
  if (typeof classifier === 'string') {
    const c = worstPricesOf(classifier, snap, at, seen);
    if (c.unpriced) w.unpriced = c.unpriced;
    w.classifierUsd = classifierCallUsd(c);
  }
  for (const t of group.targets) {
    const p = worstPricesOf(t, snap, at, seen);
    if (p.unpriced) w.unpriced ??= p.unpriced;
    w.input = Math.max(w.input, p.input);
    w.output = Math.max(w.output, p.output);
    w.image = Math.max(w.image, p.image);
    for (const m of p.imageModels ?? []) {
      const have = (w.imageModels ??= []);
      if (!have.some((h) => h.provider === m.provider && h.model === m.model && h.price === m.price)) have.push(m);
    }
    if (p.webSearch) w.webSearch = Math.max(w.webSearch ?? 0, p.webSearch);
    if (p.claude) w.claude = true;
    if (p.xai) w.xai = true;
    if (p.moonshot) w.moonshot = true;
    if (p.deepseek) w.deepseek = true;
    if (p.searchModelUsd) w.searchModelUsd = Math.max(w.searchModelUsd ?? 0, p.searchModelUsd);
    // Each classifier group on the way may score the prompt once.
    if (p.classifierUsd) w.classifierUsd = (w.classifierUsd ?? 0) + p.classifierUsd;
    if (p.openAITools) w.openAITools = true;
    if (p.imageInputTokens) w.imageInputTokens = Math.max(w.imageInputTokens ?? 0, p.imageInputTokens);
    if (p.priorityMultiplier) w.priorityMultiplier = Math.max(w.priorityMultiplier ?? 1, p.priorityMultiplier);
    if (p.fastMultiplier) w.fastMultiplier = Math.max(w.fastMultiplier ?? 1, p.fastMultiplier);
    if (p.usInferenceMultiplier) w.usInferenceMultiplier = Math.max(w.usInferenceMultiplier ?? 1, p.usInferenceMultiplier);
    if (p.longContext || w.longContext) {
      const [a, b] = [atPrompt(w, Infinity), atPrompt(p, Infinity)];
      w.longContext = {
        threshold: Math.min(w.longContext?.threshold ?? Infinity, p.longContext?.threshold ?? Infinity),
        input: Math.max(a.input, b.input),
        output: Math.max(a.output, b.output),
      };
    }
    // A target of unknown window counts as the default allowance, so a known large window still wins.
    w.contextWindow = Math.max(w.contextWindow!, p.contextWindow ?? DEFAULT_OUTPUT_TOKENS);
    // One target without a known limit may write all the request asks for.
    maxOutput = maxOutput === null || !p.maxOutputTokens ? null : Math.max(maxOutput, p.maxOutputTokens);
  }
  if (maxOutput) w.maxOutputTokens = maxOutput;
  return w;
}

/** The worst prices of one model entry (a table row, or genai-prices' price of an unlisted id) for a request starting at `at`. */
function entryWorstPrices(entry: ModelEntry, at: number): WorstPrices {
  const p = pricesAt(entry.prices, at);
  const base = dearest(p);
  const tier = p.longContext ? dearest(pricesForPrompt(p, p.longContext.threshold)) : null;
  return {
    ...base,
    // The dearest image the model makes (a dall-e-3 HD 1792, a high-quality gpt-image-1).
    image: (p.image ?? 0) * maxImagePriceUnits(entry.upstreamId),
    ...(p.image ? { imageModels: [{ provider: entry.provider, model: entry.upstreamId, price: p.image }] } : {}),
    ...(p.webSearch ? { webSearch: p.webSearch } : {}),
    ...(entry.provider === 'anthropic' ? { claude: true } : {}),
    ...(entry.provider === 'openai' ? { openAITools: true } : {}),
    ...(entry.provider === 'grok' ? { xai: true } : {}),
    ...(entry.provider === 'moonshot' ? { moonshot: true } : {}),
    ...(entry.provider === 'deepseek' ? { deepseek: true } : {}),
    ...(entry.provider === 'openai' && searchModelCallUsd(entry.upstreamId) ? { searchModelUsd: searchModelCallUsd(entry.upstreamId) } : {}),
    ...(imageInputTokensOf(entry.upstreamId) > IMAGE_INPUT_TOKENS ? { imageInputTokens: imageInputTokensOf(entry.upstreamId) } : {}),
    ...(p.priorityMultiplier && p.priorityMultiplier > 1 ? { priorityMultiplier: p.priorityMultiplier } : {}),
    ...(p.fastMultiplier && p.fastMultiplier > 1 ? { fastMultiplier: p.fastMultiplier } : {}),
    ...(p.usInferenceMultiplier && p.usInferenceMultiplier > 1 ? { usInferenceMultiplier: p.usInferenceMultiplier } : {}),
    contextWindow: entry.contextWindow ?? null,
    ...(entry.maxOutputTokens ? { maxOutputTokens: entry.maxOutputTokens } : {}),
    ...(tier && {
      longContext: { threshold: p.longContext!.threshold, input: Math.max(base.input, tier.input), output: Math.max(base.output, tier.output) },
    }),
    ...(entry.unpriced ? { unpriced: entry.id } : {}),
  };
}

/**
 * Prompt tokens one image may bill: Gemini tiles a large image at 258 tokens per 768-pixel tile
 * (a 3072-pixel square: 4,128), Anthropic up to ~1,600, OpenAI's patch models up to ~3,800
 * (gpt-4.1-nano), its tile models 1,445 (gpt-4o at high detail) - except gpt-4o-mini (imageInputTokensOf).
 */
export const IMAGE_INPUT_TOKENS = 5_000;
/** gpt-4o-mini counts an image at 2,833 tokens plus 5,667 a 512-pixel tile: 8 tiles at high detail. */
const GPT_4O_MINI_IMAGE_TOKENS = 2_833 + 8 * 5_667;

/** Prompt tokens one image may bill at a model, by its upstream id. */
function imageInputTokensOf(upstreamId: string): number {
  return /gpt-4o-mini/.test(upstreamId) ? GPT_4O_MINI_IMAGE_TOKENS : IMAGE_INPUT_TOKENS;
}


/**
 * Prompt tokens of a classifier call: its fixed instructions and notes (~200) and at most 3,000
 * characters of the user's last turn (routing/classifier-strategy.ts), taken at 2 tokens a character.
 */
const CLASSIFIER_PROMPT_TOKENS = 6_200;

/**
 * The most one classifier call may cost: its prompt, and its answer at the length the call allows
 * (CLASSIFIER_MAX_OUTPUT_TOKENS, room for a reasoning model to think before its one integer).
 */
function classifierCallUsd(c: WorstPrices): number {
  const output = Math.min(CLASSIFIER_MAX_OUTPUT_TOKENS, c.maxOutputTokens ?? c.contextWindow ?? DEFAULT_OUTPUT_TOKENS);
  return (CLASSIFIER_PROMPT_TOKENS * c.input + output * c.output) / 1e6 + (c.classifierUsd ?? 0);
}
