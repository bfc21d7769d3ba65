import type { AnthropicErrorObject } from '../errors/api-error';
import type { ProviderId } from './types';
import { googleCancelled, googleDimensionsRefused, googleKeyInvalid, googleRegionRefused, googleRetryDelay } from './gemini/gemini-error';
import { htmlErrorText } from './html-error-text';
import { ollamaRefusedParam } from './ollama/ollama-refusals';
import { xaiAtCapacity, xaiContentBlocked, xaiKeyInvalid, xaiLiveSearchGone, xaiModelNotFound, xaiModerationRefused, xaiOutOfCredit } from './grok/xai-error';

/**
 * 429s that say the account is out of credit, not rate-limited: OpenAI's code `insufficient_quota`,
 * Moonshot's type `exceeded_current_quota_error` ("Your account ... is suspended, please check your
 * plan and billing details"; Moonshot names its errors in `type` only). A retry in seconds cannot help.
 */
const OUT_OF_CREDIT = new Set(['insufficient_quota', 'exceeded_current_quota_error']);

/** What an upstream's error body says beyond its HTTP status, in each provider's own words. */
export interface ErrorBody {
  /** The provider's message (its text when the body is not JSON); not yet a string when it sent an object. */
  message: unknown;
  /** The provider's own code or type for the failure. */
  code?: string;
  /** The request field the error names (OpenAI's `param`; Ollama's refused capability). */
  param: string | null;
  /**
   * The provider account out of credit, not rate-limited: any 402 (DeepSeek's "Insufficient
   * Balance", whose code says `invalid_request_error`), a 429 that says so, or xAI's 403.
   */
  outOfCredit: boolean;
  /** A wait the body gives (Google's RetryInfo), whole seconds. */
  retryAfter: string | null;
  /** Google refusing where the gateway runs (400 FAILED_PRECONDITION). */
  regionRefused: boolean;
  /** The client's content refused (Moonshot's 400 `content_filter`, xAI's "Content violates usage guidelines"). */
  contentRefused: boolean;
  /** The provider busy, said with a 429 (Moonshot's `engine_overloaded_error`, xAI "at capacity"). */
  overloaded: boolean;
  /**
   * The status the error means when the provider said another, for the key pool, the breaker and
   * the client alike: xAI's 410 for Live Search is the 400 a refused parameter is, its 400 for a
   * model it does not have the 404 OpenAI answers, its 403 content refusal a 400 (the key is left
   * alone); Google's and xAI's 400 for the gateway's key refused is the 401 it means (the key is set
   * aside); Anthropic's 400 "credit balance is too low" the 402 (the key rests, the client is not
   * told its request was invalid); Google's 499 CANCELLED a 500.
   */
  means?: number;
  /** Anthropic's own error object (`{type, message, details?}`), for a client that speaks Anthropic. */
  anthropic?: AnthropicErrorObject;
}

/**
 * Anthropic's words for an account out of credit: its 400 invalid_request_error "Your credit balance
 * is too low to access the Anthropic API" (what Claude Code users see; no 402), and the spend limits
 * it answers as 429 rate_limit_error with `details.error_code` (its SDK's ContractSpendLimitReachedError,
 * EnforcedSpendLimitReachedError). A retry in seconds cannot help: the operator's to top up.
 */
const ANTHROPIC_SPEND_LIMITS = new Set(['contract_spend_limit_reached', 'enforced_spend_limit_reached']);
const anthropicOutOfCredit = (status: number, e: AnthropicErrorObject): boolean =>
  (status === 400 && /\bcredit balance is too low\b/i.test(e.message)) || (status === 429 && ANTHROPIC_SPEND_LIMITS.has(e.details?.error_code ?? ''));

/** Anthropic's error object in an error body, when it is one. */
function anthropicErrorOf(json: any): AnthropicErrorObject | undefined {
  const err = json?.type === 'error' ? json.error : null;
  if (typeof err?.type !== 'string' || typeof err.message !== 'string') return undefined;
  const details = err.details && typeof err.details === 'object' && typeof err.details.error_code === 'string' ? err.details : undefined;
  return { type: err.type, message: err.message, ...(details && { details }) };
}

/**
 * Reads an upstream's error body (up to what was read of it). Pure: the status and the text in, what
 * they mean out; proxy/upstream-errors.ts turns that into the client's error and the key pool's move.
 */
export function readErrorBody(provider: ProviderId, status: number, text: string): ErrorBody {
  const out: ErrorBody = { message: text, param: null, outOfCredit: status === 402, retryAfter: null, regionRefused: false, contentRefused: false, overloaded: false };
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: the text is the message; an HTML error page (Google's front end, a proxy) its words.
    out.message = htmlErrorText(text) ?? text;
    return out;
  }
  // Gemini wraps errors in an array; OpenAI-compatible ones use {error:{message,code}} or {error:"..."}.
  const err = Array.isArray(json) ? json[0]?.error : json?.error;
  const xai = provider === 'grok';
  out.message = typeof err === 'string' ? err : (err?.message ?? json?.message ?? text);
  if (typeof err?.code === 'string') out.code = err.code;
  // OpenAI names the field it refused (`Unsupported parameter: 'stop' ...`, param `stop`): passed on.
  if (typeof err?.param === 'string' && status === 400) out.param = err.param.slice(0, 200);
  // Anthropic: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}.
  else if (json?.type === 'error' && typeof err?.type === 'string') out.code = err.type;
  if (provider === 'anthropic') out.anthropic = anthropicErrorOf(json);
  out.outOfCredit ||= (out.anthropic !== undefined && anthropicOutOfCredit(status, out.anthropic)) || (status === 429 && (OUT_OF_CREDIT.has(err?.code) || OUT_OF_CREDIT.has(err?.type))) || (xai && (status === 429 || status === 403) && xaiOutOfCredit(json));
  out.retryAfter = googleRetryDelay(err);
  out.regionRefused = status === 400 && googleRegionRefused(err);
  if (status === 499 && googleCancelled(err)) out.means = 500;
  // Google's `param` is null; its words name outputDimensionality, which the client sent as `dimensions`.
  if (provider === 'gemini' && status === 400 && googleDimensionsRefused(out.message)) out.param = 'dimensions';
  // Ollama's "does not support tools/thinking/chat": the model's limit, named as the gateway names one.
  const refused = status === 400 && provider === 'ollama' && typeof out.message === 'string' ? ollamaRefusedParam(out.message) : null;
  if (refused) [out.code, out.param] = [refused === 'model' ? 'model_not_supported' : 'unsupported_parameter', refused];
  // Moonshot's 429 type `engine_overloaded_error` ("The engine is currently overloaded, please try
  // again later"), xAI's "The service is temporarily at capacity": the provider busy, not the key's
  // rate limit (the 503 it means, as the same error inside a stream is: shared/error-in-answer.ts).
  out.overloaded = status === 429 && (err?.type === 'engine_overloaded_error' || (xai && xaiAtCapacity(json)));
  // Moonshot's 400 type `content_filter` ("The request was rejected because it was considered high
  // risk"), xAI's 403 "Content violates usage guidelines": the client's content refused.
  out.contentRefused = (status === 400 && err?.type === 'content_filter') || (xai && (status === 400 || status === 403) && xaiContentBlocked(json));
  // xAI's image moderation 400 ("Generated image rejected by content moderation."): the prompt
  // refused, named as OpenAI names its images' moderation refusal.
  if (xai && status === 400 && xaiModerationRefused(json)) [out.contentRefused, out.param] = [true, 'prompt'];
  // xAI retired Live Search: `search_parameters` is the client's field refused (a group goes on).
  if (xai && (status === 410 || status === 400) && xaiLiveSearchGone(json)) [out.means, out.code, out.param] = [400, 'unsupported_parameter', 'search_parameters'];
  if (xai && status === 400 && xaiModelNotFound(json)) out.means = 404;
  if (out.contentRefused && status === 403) out.means = 400;
  if (out.outOfCredit && status === 400) out.means = 402;
  if (status === 400 && (googleKeyInvalid(err) || (xai && xaiKeyInvalid(json)))) out.means = 401;
  return out;
}
