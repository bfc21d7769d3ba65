import type { UpstreamError } from '../errors/api-error';
import type { ProviderId } from '../providers/types';

/**
 * Where a key's state is kept: the key itself (`keyId`: a 401, an account out of credit, a 429 of
 * a provider whose limits are the account's) or the key for one model or model class
 * (`keyId#scope`: a 429 of a provider whose limits are per model, a refusal of one model).
 */
export const scopedSlot = (keyId: string, scope: string) => `${keyId}#${scope}`;

/** Whether a slot is a key's state for one model (a bounded store may have no room for another). */
export const isScopedSlot = (slot: string) => slot.includes('#');

/**
 * What a provider's rate limits count per, for a model: null when they are the account's (the
 * whole key cools). OpenAI, Gemini and xAI count per model (xAI: "Every xAI API team has per-model
 * rate limits", RPS and TPM, docs.x.ai rate limits); Anthropic per model class, one limit for
 * every Opus 4.x, another for every Sonnet 4.x (claude-opus-4-1 and claude-opus-4-5 share it),
 * while each 3.x model has its own. DeepSeek and Moonshot are taken as account-wide (the
 * safe side: a 429 there rests the whole key, as before).
 */
export function rateLimitScope(provider: ProviderId, model: string): string | null {
  if (provider === 'openai' || provider === 'gemini' || provider === 'grok') return model;
  if (provider !== 'anthropic') return null;
  const m = /claude-(opus|sonnet|haiku)-(\d+)(?!\d)/.exec(model) ?? /claude-(\d+(?:[-.]\d)?)-(opus|sonnet|haiku)/.exec(model);
  if (!m) return model;
  const [family, version] = /\d/.test(m[1]!) ? [m[2]!, m[1]!.replace('-', '.')] : [m[1]!, m[2]!];
  return `class:${family}-${version}`;
}

/**
 * The slots that decide whether a key serves a model, the key's own first: the key, its model
 * class's rate limit (where the provider has one), the model itself (a refusal of that model).
 */
export function slotsFor(provider: ProviderId, keyId: string, model: string | null | undefined): string[] {
  if (!model) return [keyId];
  const rate = rateLimitScope(provider, model);
  const out = [keyId, scopedSlot(keyId, model)];
  if (rate && rate !== model) out.splice(1, 0, scopedSlot(keyId, rate));
  return out;
}

/** The key scope (walk-targets.ts) of a Claude model asked for its 1M window (`anthropic-beta: context-1m-…`). */
export const longContextScope = (model: string) => `${model}[1m]`;

/**
 * A 403 that refuses one model rather than the key: Anthropic's permission_error ("Your API key
 * does not have permission to use the specified resource": a model, a feature), OpenAI's
 * model_not_found ("Project `proj_…` does not have access to model `gpt-4o`"), or any refusal
 * that names the model (Gemini's tuned models). A 403 that names no model (Gemini's leaked or
 * disabled key, a region refused) is the key's.
 */
export function isModelRefusal(err: UpstreamError, model: string | null | undefined): boolean {
  if (!model) return false;
  if (isModelAccessNotFound(err) || isLongContextRefusal(err)) return true;
  if (err.upstreamStatus !== 403) return false;
  if (err.upstreamCode === 'permission_error' || err.upstreamCode === 'model_not_found') return true;
  return model.length >= 3 && err.message.includes(model);
}

/**
 * A 404 that may be the key's account not having the model rather than the model not existing:
 * OpenAI's model_not_found "The model `gpt-4o` does not exist or you do not have access to it."
 * (a project without access), Moonshot's "Not found the model kimi-k2.6 or Permission denied".
 * Another key of the pool may serve the model: the next key is tried, and this one set aside for
 * that model, as for a 403 refusing it. A 404 naming no access (Gemini's, Anthropic's, Ollama's) is the model's.
 */
export function isModelAccessNotFound(err: UpstreamError): boolean {
  return err.upstreamStatus === 404 && err.code === 'model_not_found' && /\b(do not have access|permission denied)\b/i.test(err.message);
}

/**
 * Anthropic's 400 invalid_request_error "The long context beta is not yet available for this
 * subscription." (a request with `anthropic-beta: context-1m-…` from an account without 1M-context
 * access): the key's account, not the request. Another key of the pool may serve it: the next key
 * is tried, and this one set aside for that model's 1M window (its key scope, longContextScope), as
 * for a model-access 404.
 */
export function isLongContextRefusal(err: UpstreamError): boolean {
  return err.upstreamStatus === 400 && err.provider === 'anthropic' && /\blong context beta is not (yet )?available\b/i.test(err.message);
}
