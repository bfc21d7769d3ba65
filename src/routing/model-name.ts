import { badRequest } from '../errors/api-error';
import { hasUnsafeChars } from '../security/unsafe-text';
import { ownCopy } from '../runtime/own-copy';

/** Longest `model` a /v1 request may name (OpenAI's own ids are far shorter; groups and `provider/model` too). */
export const MAX_MODEL_CHARS = 256;

/**
 * Refuses a `model` the gateway should not carry any further (into routing, upstream URLs and
 * headers, log rows and metric labels): 400 in OpenAI's shape with `param: 'model'`.
 * Call it after the "is a non-empty string" check of the endpoint.
 */
export function checkModelName(model: string): void {
  if (model.length > MAX_MODEL_CHARS)
    throw badRequest(`Invalid value for 'model': must be at most ${MAX_MODEL_CHARS} characters.`, 'model', 'invalid_model');
  if (hasUnsafeChars(model))
    throw badRequest("Invalid value for 'model': must not contain control, line-break, bidirectional-override or unpaired surrogate characters.", 'model', 'invalid_model');
}

/** A requested model as it may be kept in a log row of a refused request (never unbounded). */
export const modelForLog = (model: unknown): string => (typeof model !== 'string' ? '' : model.length > MAX_MODEL_CHARS ? ownCopy(model.slice(0, MAX_MODEL_CHARS)) : model);
