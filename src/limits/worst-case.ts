import { reservedImageUnits } from '../images/image-price-units';
import { gptImageTokens } from '../usage/gpt-image-tokens';
import { maxImagesPerCall } from '../images/image-params';
import { thinkingBudget } from '../providers/anthropic/anthropic-limits';
import { fileInputsOf, type FileInputs } from './file-inputs';
import { XAI_LIVE_SEARCH_SOURCE_USD, xaiToolCallUsd } from '../usage/grok-usage';
import { imageToolUsdPerToken, OPENAI_CONTAINER_USD, OPENAI_FILE_SEARCH_USD } from '../usage/openai-tool-prices';
import { atPrompt, DEFAULT_OUTPUT_TOKENS, IMAGE_INPUT_TOKENS, type WorstPrices } from './worst-prices';
import type { LimitedEndpoint } from './limit-types';
import { kimiSearchWorst } from './kimi-search-worst';
import { modelOutputLimit } from './model-output-limit';

/** Most choices a chat request may ask (OpenAI's limit of `n`). */
const MAX_CHOICES = 128;

/** The thinking budget a `reasoning_effort` adds on top of max_tokens at a Claude target (0: none, or an effort the adapter refuses). */
function thinkingOnTopOf(endpoint: LimitedEndpoint, body: Record<string, unknown>): number {
  const effort = endpoint === 'chat' ? body.reasoning_effort : endpoint === 'responses' ? (body.reasoning as { effort?: unknown } | null)?.effort : undefined;
  try {
    return thinkingBudget(effort) ?? 0;
  } catch {
    return 0; // refused with a 400 before anything is billed
  }
}

/** Anthropic's tool-use system prompt, added to the prompt of a request with tools (346 tokens at most for Claude 4). */
const CLAUDE_TOOL_SYSTEM_TOKENS = 400;
/** What each of Anthropic's typed tools (computer_*, bash_*, text_editor_*...) adds beside its definition (computer use: 735). */
const CLAUDE_TYPED_TOOL_TOKENS = 750;

/**
 * Prompt tokens a Claude target adds for a request's tools that its body does not show: the
 * tool-use system prompt, and each typed tool's own instructions (the body names it in a few bytes).
 */
function claudeToolTokens(body: Record<string, unknown>): number {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return 0;
  const typed = (body.tools as { type?: unknown }[]).filter((t) => typeof t?.type === 'string' && /_\d{8}$/.test(t.type)).length;
  return CLAUDE_TOOL_SYSTEM_TOKENS + typed * CLAUDE_TYPED_TOOL_TOKENS;
}

/** Tokens a gpt-image image may bill as output (its high-quality large size is ~6,200). */
const IMAGE_OUTPUT_TOKENS = 8_192;
/**
 * Bytes of request body per prompt token for the estimate. English runs ~4 characters a token;
 * 3 bytes keeps CJK text (3 UTF-8 bytes, about a token each) from being under-reserved.
 */
const BYTES_PER_TOKEN = 3;

export interface WorstCase {
  costUsd: number;
  /** Prompt estimate plus output allowance, for TPM. */
  tokens: number;
  /**
   * The part of `tokens` TPM reserves only as far as its windows have room (tpmTokensOf): the default
   * output allowance of a request naming no output cap, and a /v1/messages request's max_tokens (a ceiling); else undefined.
   */
  defaultOutputTokens?: number;
  /** The output part of `tokens` (before tpmTokensOf trims one held as far as room goes), for a refusal's words. */
  outputTokens?: number;
  /** The body's field that capped the output (null: it named none, the allowance is the gateway's). */
  outputField?: OutputField | null;
}

/**
 * The tokens TPM reserves for a request when the TPM windows on it have `roomTokens` left (the
 * least of its key's and team's; null: no TPM): a default output allowance, which the request did
 * not ask for, only as far as that room goes beside the rest of it. Else a request naming no
 * max_tokens would be refused, however small, for as long as a TPM below DEFAULT_OUTPUT_TOKENS
 * holds anything. It settles to its actual tokens; a rate may run a little fast (as the 3-bytes
 * estimate lets it), and one whose prompt does not fit is refused as before.
 */
export function tpmTokensOf(w: WorstCase, roomTokens: number | null): number {
  const allowance = w.defaultOutputTokens ?? 0;
  if (roomTokens === null || allowance === 0 || w.tokens <= roomTokens) return w.tokens;
  return Math.max(w.tokens - allowance, roomTokens);
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
/** The choices a chat request's `n` asks for, each an answer of its own. */
const choicesOf = (body: Record<string, unknown>): number => Math.min(Math.floor(num(body.n) ?? 1), MAX_CHOICES) || 1;

/** Calls reserved for server-side tools that name no limit (`max_uses`, `max_tool_calls`; Claude Code sends 8). */
export const DEFAULT_WEB_SEARCHES = 20;
/**
 * Prompt tokens one search may add (its results are read as input: Anthropic bills web search
 * results as input tokens, OpenAI its web and file search content, gpt-4o-mini's as a fixed 8,000-token block).
 */
export const SEARCH_CONTENT_TOKENS = 10_000;

const isWebSearch = (t: any) => typeof t?.type === 'string' && t.type.startsWith('web_search');

/**
 * The most web searches a Messages request's server tools may run: each `web_search_*` tool's
 * `max_uses`, or DEFAULT_WEB_SEARCHES when it names none (Anthropic sets no ceiling of its own).
 */
function messagesWebSearches(body: Record<string, unknown>): number {
  if (!Array.isArray(body.tools)) return 0;
  return (body.tools as { max_uses?: unknown }[]).filter(isWebSearch).reduce((n, t) => n + (num(t.max_uses) ?? DEFAULT_WEB_SEARCHES), 0);
}

/** The most sources a Live Search may read (xAI's limit of `max_search_results`, and its default). */
const XAI_MAX_SOURCES = 50;
const XAI_DEFAULT_SOURCES = 20;

/**
 * The sources a chat request's xAI Live Search may read: its `search_parameters.max_search_results`
 * (20 when unnamed); none without `search_parameters` or with `mode: "off"`.
 */
function xaiLiveSearchSources(body: Record<string, unknown>): number {
  const sp = body.search_parameters as { mode?: unknown; max_search_results?: unknown } | null | undefined;
  if (!sp || typeof sp !== 'object' || sp.mode === 'off') return 0;
  return Math.min(Math.floor(num(sp.max_search_results) ?? XAI_DEFAULT_SOURCES), XAI_MAX_SOURCES);
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
 * The most a Responses request's built-in tools may bill at OpenAI beside the tokens, and whether
 * one searches (its results are prompt: TPM reserves one search's). Up to `max_tool_calls` calls
 * (else DEFAULT_WEB_SEARCHES) of the dearest tool it names: a web search (its fee and results), a
 * file search ($2.50 per 1,000 and its chunks), an image of the image generation tool (the
 * dearest of its quality and size); plus a container per code interpreter tool.
 */
function openAIToolsWorstUsd(body: Record<string, unknown>, prices: WorstPrices, inputPrice: number): { usd: number; searches: boolean } {
  if (!Array.isArray(body.tools)) return { usd: 0, searches: false };
  const content = (SEARCH_CONTENT_TOKENS * inputPrice) / 1e6;
  let perCall = 0;
  let containers = 0;
  let searches = false;
  for (const t of body.tools as any[]) {
    if (isWebSearch(t) && prices.webSearch) perCall = Math.max(perCall, prices.webSearch + content);
    else if (t?.type === 'file_search') perCall = Math.max(perCall, OPENAI_FILE_SEARCH_USD + content);
    else if (t?.type === 'image_generation') perCall = Math.max(perCall, gptImageTokens(t, true) * imageToolUsdPerToken(t.model));
    else if (t?.type === 'code_interpreter') containers++;
    else continue;
    searches ||= isWebSearch(t) || t?.type === 'file_search';
  }
  const calls = perCall > 0 ? (num(body.max_tool_calls) ?? DEFAULT_WEB_SEARCHES) : 0;
  return { usd: calls * perCall + containers * OPENAI_CONTAINER_USD, searches };
}

/** xAI's Responses tools whose results are read as prompt (search results, collection chunks). */
const XAI_SEARCH_TOOLS = new Set(['web_search', 'x_search', 'file_search']);

/**
 * The most a Responses request's server-side tools may bill at xAI beside the tokens, and whether
 * one searches: up to `max_tool_calls` calls (else DEFAULT_WEB_SEARCHES) of the dearest tool it
 * names (xaiToolCallUsd: web and X search, code execution $5 per 1,000, collections search
 * $2.50), a search's results with it as prompt tokens. Remote MCP bills only tokens (the window,
 * readsRemoteContent); function tools nothing.
 */
function xaiToolsWorstUsd(body: Record<string, unknown>, inputPrice: number): { usd: number; searches: boolean } {
  if (!Array.isArray(body.tools)) return { usd: 0, searches: false };
  const content = (SEARCH_CONTENT_TOKENS * inputPrice) / 1e6;
  let perCall = 0;
  let searches = false;
  for (const t of body.tools as any[]) {
    const type = typeof t?.type === 'string' ? t.type : '';
    const fee = xaiToolCallUsd(type);
    if (fee === undefined) continue;
    const search = XAI_SEARCH_TOOLS.has(type);
    perCall = Math.max(perCall, fee + (search ? content : 0));
    searches ||= search;
  }
  const calls = perCall > 0 ? (num(body.max_tool_calls) ?? DEFAULT_WEB_SEARCHES) : 0;
  return { usd: calls * perCall, searches };
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
 * A request whose upstream reads content in on its own, prompt the body does not show: Anthropic's
 * web fetch tool (the pages or PDFs it fetches) or MCP servers (`mcp_servers`: their tool results),
 * an OpenAI Responses `mcp` tool (likewise).
 */
function readsRemoteContent(endpoint: LimitedEndpoint, body: Record<string, unknown>): boolean {
  const tools = Array.isArray(body.tools) ? (body.tools as { type?: unknown }[]) : [];
  if (endpoint === 'messages') {
    return (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) || tools.some((t) => typeof t?.type === 'string' && t.type.startsWith('web_fetch'));
  }
  return endpoint === 'responses' && tools.some((t) => t?.type === 'mcp');
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
 * The prompt tokens of a body of this size: 3 bytes a token, except that an inline PDF counts its
 * pages (PDF_PAGE_MAX_TOKENS each: text and page image) and images what the dearest target may
 * bill for one (an image URL shows nothing of its size, and a small PNG may be a large image),
 * when that is more than their data shows; that part never past the model's window (a longer
 * prompt is refused by the upstream).
 */
function promptEstimate(bodyBytes: number, files: FileInputs, prices: WorstPrices): number {
  const bySize = Math.ceil(bodyBytes / BYTES_PER_TOKEN);
  const extra = files.pdfTokens + imageTokensOf(files, prices) - Math.ceil((files.pdfChars + files.imageChars) / BYTES_PER_TOKEN);
  const contextWindow = prices.contextWindow;
  if (extra <= 0) return bySize;
  return Math.max(bySize, Math.min(bySize + extra, contextWindow ?? Infinity));
}

const imageTokensOf = (files: FileInputs, prices: WorstPrices) => files.images * (prices.imageInputTokens ?? IMAGE_INPUT_TOKENS);

/**
 * The most prompt tokens a body of this size can bill, for the budget: a token stands for at least
 * one byte of text in every provider's tokenizer, so the body's bytes, less its files' and images'
 * data, bound its text's tokens ("a a a ..." runs 2 bytes a token, under the estimate's 3); plus
 * the files' and images' tokens; never past the model's window. TPM, a rate, takes the estimate.
 */
function promptCeiling(bodyBytes: number, files: FileInputs, prices: WorstPrices, estimate: number): number {
  const text = Math.max(bodyBytes - files.pdfChars - files.imageChars, 0);
  return Math.max(estimate, Math.min(text + files.pdfTokens + imageTokensOf(files, prices), prices.contextWindow ?? Infinity));
}

/**
 * Whether OpenAI may serve the request at its priority tier: when it asks for it, and when it names
 * no tier or `auto`, which OpenAI serves at the project's default tier (priority where the project
 * is set so; the answer then says `service_tier: "priority"` and bills the premium). Only an explicit
 * `default`, `flex` or `scale` rules it out.
 */
const mayRunAtPriority = (tier: unknown): boolean => tier === undefined || tier === null || tier === 'auto' || tier === 'priority';

/**
 * What the request's every token price may be multiplied by: OpenAI's priority tier unless the request
 * names another (mayRunAtPriority); Anthropic's fast mode when it asks for it (6x on Opus 4.6);
 * Anthropic's US-only inference always (1.1x), since a workspace may make it the default without the
 * request saying so.
 */
function tokenPriceMultiplier(endpoint: LimitedEndpoint, body: Record<string, unknown>, prices: WorstPrices): number {
  let m = 1;
  // A Messages body's service_tier is Anthropic's (`auto`, `standard_only`): the bridge to an OpenAI
  // target sends none, so OpenAI serves it at the project's default tier.
  const openAITier = endpoint === 'messages' ? undefined : body.service_tier;
  if (prices.priorityMultiplier && mayRunAtPriority(openAITier)) m *= prices.priorityMultiplier;
  if (body.speed === 'fast' && prices.fastMultiplier) m *= prices.fastMultiplier;
  if (prices.usInferenceMultiplier) m *= prices.usInferenceMultiplier;
  return m;
}

/**
 * The most a request may cost and the tokens it may use: the prompt (for the cost its ceiling,
 * promptCeiling; for the tokens its estimate from the body's size), plus the output it asked to
 * be capped at (`max_tokens`, `max_completion_tokens`, `max_output_tokens`), else the model's context window (the prompt estimate is no lower bound to
 * take off it), else DEFAULT_OUTPUT_TOKENS; either at most the model's output limit, which the gateway lowers a
 * larger ask to. Images: `n` images at the dearest price their quality and size may
 * bill (worstImagePrice), plus output tokens each.
 */
export function worstCaseOf(endpoint: LimitedEndpoint, body: Record<string, unknown>, bodyBytes: number, prices: WorstPrices, outputCap?: number): WorstCase {
  const files = fileInputsOf(endpoint, body);
  const exact = endpoint === 'embeddings' ? tokenArrayCount(body.input) : null;
  const toolTokens = prices.claude && endpoint !== 'images' ? claudeToolTokens(body) : 0;
  // TPM, a rate, counts the estimate; the budget, which must never be overspent, the ceiling.
  const estimate = promptEstimate(bodyBytes, files, prices);
  // Kimi's web search: the content of the searches the body sends back bills as prompt, its calls a fee each.
  const kimi = endpoint === 'chat' && prices.moonshot ? kimiSearchWorst(body, choicesOf(body)) : null;
  const searched = kimi?.contentTokens ?? 0;
  const prompt = exact ?? estimate + toolTokens + searched;
  const billable = exact ?? promptCeiling(bodyBytes, files, prices, estimate) + toolTokens + searched;
  // A prompt that reaches a long-context tier bills the whole request at the tier's prices.
  const rate = atPrompt(prices, billable);
  // Counting tokens is free (its row costs nothing): it reserves nothing against a budget, but for
  // a classifier group's scoring call, which routing it makes (and every endpoint's) may run.
  const classifierUsd = prices.classifierUsd ?? 0;
  if (endpoint === 'count_tokens' || endpoint === 'input_tokens') return { costUsd: classifierUsd, tokens: 0 };
  const result = worstCaseOwn(endpoint, body, { tokens: prompt, billable }, rate, prices, files.readsItself, outputCap);
  return { costUsd: result.costUsd + classifierUsd + (kimi?.feeUsd ?? 0), tokens: result.tokens, defaultOutputTokens: result.defaultOutputTokens, outputTokens: result.outputTokens, outputField: result.outputField };
}

/**
 * The field of the output cap a request names, the one its endpoint sends on (chat: `max_completion_tokens`,
 * else `max_tokens`, as every adapter reads them; Responses: `max_output_tokens`; Messages:
 * `max_tokens`); null: none. Another API's name in the body (a chat `max_tokens` in a Responses
 * body, `max_completion_tokens` in a Messages one) caps nothing the upstream is sent, so it must
 * not lower the reservation either.
 */
export type OutputField = 'max_tokens' | 'max_completion_tokens' | 'max_output_tokens';
function askedField(endpoint: LimitedEndpoint, body: Record<string, unknown>): OutputField | null {
  if (endpoint === 'responses') return num(body.max_output_tokens) ? 'max_output_tokens' : null;
  if (endpoint === 'messages') return num(body.max_tokens) ? 'max_tokens' : null;
  return num(body.max_completion_tokens) ? 'max_completion_tokens' : num(body.max_tokens) ? 'max_tokens' : null;
}

/** The worst case of the request itself (worstCaseOf, without the classifier calls its routing may make). */
function worstCaseOwn(
  endpoint: LimitedEndpoint, body: Record<string, unknown>, promptTokens: { tokens: number; billable: number }, rate: { input: number; output: number }, prices: WorstPrices, readsFiles: boolean,
  outputCap?: number,
): WorstCase {
  const { tokens: prompt, billable } = promptTokens;
  if (endpoint === 'embeddings') return { costUsd: (billable * rate.input) / 1e6, tokens: prompt };
  if (endpoint === 'images') {
    const n = num(body.n) ?? 1;
    return { costUsd: (billable * rate.input + n * IMAGE_OUTPUT_TOKENS * rate.output) / 1e6 + n * worstImagePrice(prices, body, n), tokens: prompt };
  }
  // What a target is sent is at most its model's output limit (proxy/output-limit.ts): reserve the smaller.
  const limit = modelOutputLimit(endpoint, body, prices);
  const cap = (n: number) => (limit ? Math.min(n, limit) : n);
  // `outputCap`: the max_tokens the gateway sends a request that named none (budget-output-cap.ts).
  const field = askedField(endpoint, body);
  const askedRaw = outputCap ?? (field && (body[field] as number));
  // A Claude target is sent a reasoning_effort's thinking budget on top of a small max_tokens.
  const thinking = prices.claude ? thinkingOnTopOf(endpoint, body) : 0;
  const asked = askedRaw === null ? null : cap(askedRaw + thinking);
  // Each of a chat request's `n` choices writes up to the output allowance (OpenAI, Gemini's candidateCount).
  const choices = endpoint === 'chat' ? choicesOf(body) : 1;
  // Predicted outputs: the prediction's tokens the answer does not use bill as completion tokens
  // (OpenAI's rejected_prediction_tokens), beside what max_tokens lets the model write: for the
  // budget at their ceiling, a token a byte (as the prompt's), for TPM at the estimate.
  const predictionBytes = endpoint === 'chat' && body.prediction && typeof body.prediction === 'object' ? Buffer.byteLength(JSON.stringify(body.prediction)) : 0;
  const predicted = Math.ceil(predictionBytes / BYTES_PER_TOKEN);
  // Without an ask, the window itself (at most the output limit), not the window less the prompt
  // estimate: 3 bytes a token overstates most prompts (English runs ~4, a base64 image far more),
  // and every token the estimate overstates is one more the answer may write, at the dearer price.
  const output = choices * ((asked ?? cap(prices.contextWindow ?? DEFAULT_OUTPUT_TOKENS)) + predictionBytes);
  // TPM reserves the default allowance at most when no cap was asked: a 1M-token window would
  // otherwise shut out every key whose TPM is below it. The budget reserves the real ceiling.
  const tpmOutput = asked !== null ? choices * (asked + predicted) : Math.min(output, choices * DEFAULT_OUTPUT_TOKENS);
  // A Messages request that lets Anthropic compact its context may sample twice (compactsContext).
  const samplings = endpoint === 'messages' && compactsContext(body) ? 2 : 1;
  let tokensUsd = ((billable * rate.input + output * rate.output) / 1e6) * samplings;
  // A Responses follow-up carries the stored conversation the body does not show, as does a
  // Messages turn continuing a thread Anthropic holds, and a request
  // may name a file the upstream reads itself (a PDF by URL, an uploaded file id) or give it tools
  // that read content in (web fetch, MCP): the model's whole window, at the dearer price of the
  // tier such a prompt reaches, is then the only honest ceiling of its tokens.
  const unseen = readsFiles || (endpoint === 'responses' && typeof body.previous_response_id === 'string') || (endpoint === 'messages' && continuesThread(body)) || readsRemoteContent(endpoint, body);
  if (unseen && prices.contextWindow) {
    const full = atPrompt(prices, prices.contextWindow);
    tokensUsd = Math.max(tokensUsd, (prices.contextWindow * Math.max(full.input, full.output)) / 1e6);
  }
  // Every token price times the request's multipliers (OpenAI's priority tier, Anthropic's fast mode and US-only inference).
  let costUsd = tokensUsd * tokenPriceMultiplier(endpoint, body, prices);
  // Server-side tools bill per call beside the tokens, and search results as prompt tokens
  // (Anthropic's web_search tool on /v1/messages, OpenAI's and xAI's built-in tools on /v1/responses). TPM, as
  // for output without a cap, reserves one search's content at most; the row settles to what was read.
  let searches = false;
  if (endpoint === 'messages' && prices.webSearch) {
    const n = messagesWebSearches(body);
    costUsd += n * (prices.webSearch + (SEARCH_CONTENT_TOKENS * rate.input) / 1e6);
    searches = n > 0;
  } else if (endpoint === 'responses' && (prices.openAITools || prices.xai)) {
    // A group reaching both providers runs the tools at one of them: the dearer.
    const none = { usd: 0, searches: false };
    const openai = prices.openAITools ? openAIToolsWorstUsd(body, prices, rate.input) : none;
    const xai = prices.xai ? xaiToolsWorstUsd(body, rate.input) : none;
    costUsd += Math.max(openai.usd, xai.usd);
    searches = openai.searches || xai.searches;
  }
  // OpenAI's search models search once per chat request (Messages reach them through chat): the
  // call's fee and, for gpt-5-search-api, its content as prompt tokens (the previews' is free).
  if ((endpoint === 'chat' || endpoint === 'messages') && prices.searchModelUsd) {
    costUsd += prices.searchModelUsd + (SEARCH_CONTENT_TOKENS * rate.input) / 1e6;
    searches = true;
  }
  // xAI's Live Search bills each source it reads, and their content as prompt tokens.
  const sources = endpoint === 'chat' && prices.xai ? xaiLiveSearchSources(body) : 0;
  if (sources > 0) {
    costUsd += sources * XAI_LIVE_SEARCH_SOURCE_USD + (SEARCH_CONTENT_TOKENS * rate.input) / 1e6;
    searches = true;
  }
  // /v1/messages requires max_tokens, which clients send as a ceiling (Claude Code 32,000): TPM holds it as
  // it holds a default allowance, as far as the windows have room, else a key whose TPM is below the
  // ceiling could never serve them. It settles to the tokens used, as a rate may run a little fast.
  const roomOnly = asked === null || endpoint === 'messages';
  return { costUsd, tokens: prompt + tpmOutput + (searches ? SEARCH_CONTENT_TOKENS : 0), defaultOutputTokens: roomOnly ? tpmOutput : undefined, outputTokens: tpmOutput, outputField: field };
}
