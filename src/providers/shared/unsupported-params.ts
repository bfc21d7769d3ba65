import { badRequest } from '../../errors/api-error';
import type { UpstreamBody } from '../types';

/**
 * OpenAI chat parameters a provider would take without error and quietly not
 * honour (or answer with its own 400 a group cannot walk past): refused before the call with
 * OpenAI's 400 `unsupported_parameter` naming the field, so the client learns it and a group
 * passes the request on to a target that can (walk-targets.ts).
 */
function refuse(param: string, what: string, provider: string, why: string): never {
  throw badRequest(`${what} is not supported by provider '${provider}': ${why}.`, param, 'unsupported_parameter');
}

/** `n` above 1 where the provider makes one choice a request (the client would get one of the n it asked for). */
export function refuseSeveralChoices(body: UpstreamBody, provider: string, why: string): void {
  if (typeof body.n === 'number' && body.n > 1) refuse('n', 'n > 1 (several choices per request)', provider, why);
}

/** A non-empty `logit_bias` where the provider has none (a token the client banned could still come); `{}` biases nothing and goes on. */
export function refuseLogitBias(body: UpstreamBody, provider: string, why: string): void {
  if (hasLogitBias(body.logit_bias)) refuse('logit_bias', 'logit_bias', provider, why);
}

/** Whether a request's `logit_bias` biases any token. */
export function hasLogitBias(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}

/** Spoken output (`modalities` with `audio`, or `audio`) from a provider whose chat answers in text only: the answer would come without it. */
export function refuseAudioOutput(body: UpstreamBody, provider: string): void {
  if (body.audio != null || (Array.isArray(body.modalities) && body.modalities.includes('audio'))) {
    refuse('modalities', 'Audio output (modalities: audio)', provider, 'its chat models answer in text only');
  }
}

/** OpenAI's `web_search_options` where the provider's chat has no such search: the model would answer without searching. */
export function refuseWebSearchOptions(body: UpstreamBody, provider: string, why: string): void {
  if (body.web_search_options != null) refuse('web_search_options', 'web_search_options', provider, why);
}
