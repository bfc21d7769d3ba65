import { FREE_PROVIDERS, isProviderId, type ProviderId } from '../providers/types';
import { maxImagePriceUnits, reservedImageUnits } from '../images/image-price-units';
import { maxImagesPerCall } from '../images/image-params';
import { pricedAs } from '../routing/resolve-concrete';
import type { ModelEntry, ModelPrices, RuntimeSnapshot } from '../state/snapshot-types';
import { highestInputPrice, highestOutputPrice, pricesForPrompt } from '../usage/cost';

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
  /** USD per web search a target's provider bills (Anthropic's server tool); unset: none. */
  webSearch?: number;
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
function atPrompt(prices: WorstPrices, promptTokens: number): { input: number; output: number } {
  return prices.longContext && promptTokens >= prices.longContext.threshold ? prices.longContext : prices;
}

const FREE: WorstPrices = { input: 0, output: 0, image: 0, contextWindow: null };

/**
 * Prices a name may be billed at: its model entry's, or for a group the highest of each price
 * among every target it may reach (a classifier or heuristic may pick any, fallbacks may run).
 * An unknown name bills nothing; a `provider/<id>` without a price (not in the table nor in
 * genai-prices) bills nothing too, and says so in `unpriced` (the local providers are free, not unpriced).
 */
export function worstPricesOf(name: string, snap: RuntimeSnapshot, seen: Set<string> = new Set()): WorstPrices {
  const entry = snap.models.get(name);
  if (entry) return entryWorstPrices(entry);
  const slash = name.indexOf('/');
  if (slash > 0 && isProviderId(name.slice(0, slash))) {
    const provider = name.slice(0, slash);
    const known = pricedAs(provider, name.slice(slash + 1), snap);
    if (known) return entryWorstPrices(known);
    return FREE_PROVIDERS.has(provider as ProviderId) ? FREE : { ...FREE, unpriced: name };
  }
  const group = snap.groups.get(name);
  if (!group || seen.has(name)) return FREE;
  seen.add(name);
  const w: WorstPrices = { input: 0, output: 0, image: 0, contextWindow: 0 };
  let maxOutput: number | null = 0;
  // A classifier group's scoring call is billed as its own row (charged to the key when it lands),
  // so only whether its model has a price matters here.
  const classifier = group.strategy === 'classifier' ? group.settings.classifier_model : undefined;
  if (typeof classifier === 'string') {
    const unpriced = worstPricesOf(classifier, snap, seen).unpriced;
    if (unpriced) w.unpriced = unpriced;
  }
  for (const t of group.targets) {
    const p = worstPricesOf(t, snap, seen);
    if (p.unpriced) w.unpriced ??= p.unpriced;
    w.input = Math.max(w.input, p.input);
    w.output = Math.max(w.output, p.output);
    w.image = Math.max(w.image, p.image);
    for (const m of p.imageModels ?? []) {
      const have = (w.imageModels ??= []);
      if (!have.some((h) => h.provider === m.provider && h.model === m.model && h.price === m.price)) have.push(m);
    }
    if (p.webSearch) w.webSearch = Math.max(w.webSearch ?? 0, p.webSearch);
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

/** The worst prices of one model entry (a table row, or genai-prices' price of an unlisted id). */
function entryWorstPrices(entry: ModelEntry): WorstPrices {
  const p = entry.prices;
  const base = dearest(p);
  const tier = p.longContext ? dearest(pricesForPrompt(p, p.longContext.threshold)) : null;
  return {
    ...base,
    // The dearest image the model makes (a dall-e-3 HD 1792, a high-quality gpt-image-1).
    image: (p.image ?? 0) * maxImagePriceUnits(entry.upstreamId),
    ...(p.image ? { imageModels: [{ provider: entry.provider, model: entry.upstreamId, price: p.image }] } : {}),
    ...(p.webSearch ? { webSearch: p.webSearch } : {}),
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

/** Output tokens allowed when the request names no limit and the model's window is unknown. */
export const DEFAULT_OUTPUT_TOKENS = 16_384;
/** Tokens a gpt-image image may bill as output (its high-quality large size is ~6,200). */
const IMAGE_OUTPUT_TOKENS = 8_192;
/**
 * Bytes of request body per prompt token for the estimate. English runs ~4 characters a token;
 * 3 bytes keeps CJK text (3 UTF-8 bytes, about a token each) from being under-reserved.
 */
const BYTES_PER_TOKEN = 3;

export type LimitedEndpoint = 'chat' | 'responses' | 'images' | 'messages' | 'count_tokens' | 'embeddings';

export interface WorstCase {
  costUsd: number;
  /** Prompt estimate plus output allowance, for TPM. */
  tokens: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/** Searches reserved for a web search tool that names no `max_uses` (Claude Code sends 8). */
export const DEFAULT_WEB_SEARCHES = 20;

/**
 * The most web searches a Messages request's server tools may run: each `web_search_*` tool's
 * `max_uses`, or DEFAULT_WEB_SEARCHES when it names none (Anthropic sets no ceiling of its own).
 */
function webSearchesOf(body: Record<string, unknown>): number {
  if (!Array.isArray(body.tools)) return 0;
  let n = 0;
  for (const t of body.tools as { type?: unknown; max_uses?: unknown }[]) {
    if (typeof t?.type === 'string' && t.type.startsWith('web_search')) n += num(t.max_uses) ?? DEFAULT_WEB_SEARCHES;
  }
  return n;
}

/** A Messages turn that continues a thread (`thread.type` `continue`): Anthropic adds the conversation it holds. */
const continuesThread = (body: Record<string, unknown>): boolean => (body.thread as { type?: unknown } | null | undefined)?.type === 'continue';

/**
 * Whether a Messages request lets Anthropic compact the context (`context_management.edits` with a
 * `compact_*` strategy): the summary is a sampling step of its own over the conversation, billed
 * beside the answer, so the request may cost up to twice what the body and max_tokens show.
 */
const compactsContext = (body: Record<string, unknown>): boolean => {
  const edits = (body.context_management as { edits?: unknown } | null | undefined)?.edits;
  return Array.isArray(edits) && edits.some((e) => typeof e?.type === 'string' && e.type.startsWith('compact'));
};

/**
 * Whether a Messages request names content the upstream reads itself, whose size the body does
 * not show: a document by URL, or a document or image by Files API id (in a turn or a tool result).
 * Image URLs are not: the gateway downloads them under its size limit, and an image costs a
 * bounded number of tokens.
 */
function namesFetchedContent(body: Record<string, unknown>): boolean {
  const fetched = (b: any): boolean =>
    b?.source?.type === 'file' || (b?.type === 'document' && b.source?.type === 'url') || (b?.type === 'tool_result' && Array.isArray(b.content) && b.content.some(fetched));
  return Array.isArray(body.messages) && body.messages.some((m: any) => Array.isArray(m?.content) && m.content.some(fetched));
}

/**
 * The exact prompt of an embeddings input given as token ids (one array, or an array of them):
 * their count. Ids take ~6 bytes each in JSON, so the body's size would reserve twice the tokens.
 * Null for text (or anything else), which the body's size estimates.
 */
function tokenArrayCount(input: unknown): number | null {
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((v) => typeof v === 'number')) return input.length;
  let n = 0;
  for (const v of input) {
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'number')) return null;
    n += v.length;
  }
  return n;
}

/**
 * The dearest image the request may bill: at each image model the name reaches that can make its
 * `n` (a group skips the others: images/image-targets.ts), the image of its quality and size.
 */
function worstImagePrice(prices: WorstPrices, body: Record<string, unknown>, n: number): number {
  const all = prices.imageModels;
  if (!all?.length) return prices.image;
  const able = all.filter((m) => n <= maxImagesPerCall(m.provider, m.model));
  let worst = 0;
  for (const m of able.length ? able : all) worst = Math.max(worst, m.price * reservedImageUnits(m.model, body as { model: string; prompt: string }));
  return worst;
}

/**
 * What the request's every token price may be multiplied by: OpenAI's priority tier when it asks for
 * it; Anthropic's fast mode when it asks for it (6x on Opus 4.6); Anthropic's US-only inference
 * always (1.1x), since a workspace may make it the default without the request saying so.
 */
function tokenPriceMultiplier(body: Record<string, unknown>, prices: WorstPrices): number {
  let m = 1;
  if (body.service_tier === 'priority' && prices.priorityMultiplier) m *= prices.priorityMultiplier;
  if (body.speed === 'fast' && prices.fastMultiplier) m *= prices.fastMultiplier;
  if (prices.usInferenceMultiplier) m *= prices.usInferenceMultiplier;
  return m;
}

/**
 * The most a request may cost and the tokens it may use: the prompt estimated from the body's
 * size, plus the output it asked to be capped at (`max_tokens`, `max_completion_tokens`,
 * `max_output_tokens`), else the model's context window less the prompt (the true ceiling),
 * else DEFAULT_OUTPUT_TOKENS; either at most the model's output limit, which the gateway lowers a
 * larger ask to. Images: `n` images at the dearest price their quality and size may
 * bill (worstImagePrice), plus output tokens each.
 */
export function worstCaseOf(endpoint: LimitedEndpoint, body: Record<string, unknown>, bodyBytes: number, prices: WorstPrices): WorstCase {
  const prompt = (endpoint === 'embeddings' ? tokenArrayCount(body.input) : null) ?? Math.ceil(bodyBytes / BYTES_PER_TOKEN);
  // A prompt that reaches a long-context tier bills the whole request at the tier's prices.
  const rate = atPrompt(prices, prompt);
  // Counting tokens is free (its row costs nothing): it reserves nothing against a budget.
  if (endpoint === 'count_tokens') return { costUsd: 0, tokens: 0 };
  if (endpoint === 'embeddings') return { costUsd: (prompt * rate.input) / 1e6, tokens: prompt };
  if (endpoint === 'images') {
    const n = num(body.n) ?? 1;
    return { costUsd: (prompt * rate.input + n * IMAGE_OUTPUT_TOKENS * rate.output) / 1e6 + n * worstImagePrice(prices, body, n), tokens: prompt };
  }
  // What a target is sent is at most its model's output limit (proxy/output-limit.ts): reserve the smaller.
  const cap = (n: number) => (prices.maxOutputTokens ? Math.min(n, prices.maxOutputTokens) : n);
  const askedRaw = num(body.max_completion_tokens) ?? num(body.max_tokens) ?? num(body.max_output_tokens);
  const asked = askedRaw === null ? null : cap(askedRaw);
  const output = asked ?? cap(prices.contextWindow ? Math.max(prices.contextWindow - prompt, 1) : DEFAULT_OUTPUT_TOKENS);
  // TPM reserves the default allowance at most when no cap was asked: a 1M-token window would
  // otherwise shut out every key whose TPM is below it. The budget reserves the real ceiling.
  const tpmOutput = asked ?? Math.min(output, DEFAULT_OUTPUT_TOKENS);
  const perToken = tokenPriceMultiplier(body, prices);
  const samplings = endpoint === 'messages' && compactsContext(body) ? 2 : 1;
  let costUsd = ((prompt * rate.input + output * rate.output) / 1e6) * perToken * samplings;
  // Server-side web searches bill per search beside the tokens (Anthropic's web_search tool on /v1/messages).
  if (endpoint === 'messages' && prices.webSearch) costUsd += webSearchesOf(body) * prices.webSearch;
  // A Responses follow-up carries the stored conversation the body does not show, as does a
  // Messages turn continuing a thread Anthropic holds, and a Messages request may name content
  // Anthropic reads itself (a PDF by URL, an uploaded file): the model's whole window, at the
  // dearer price of the tier such a prompt reaches, is then the only honest ceiling.
  const unseen =
    endpoint === 'responses' ? typeof body.previous_response_id === 'string' : endpoint === 'messages' && (continuesThread(body) || namesFetchedContent(body));
  if (unseen && prices.contextWindow) {
    const full = atPrompt(prices, prices.contextWindow);
    costUsd = Math.max(costUsd, ((prices.contextWindow * Math.max(full.input, full.output)) / 1e6) * perToken);
  }
  return { costUsd, tokens: prompt + tpmOutput };
}
