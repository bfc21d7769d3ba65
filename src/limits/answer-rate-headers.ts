import type { AppContext } from '../context';
import { withHeaders } from '../http/with-headers';
import { anthropicRateHeaders } from './anthropic-rate-headers';
import type { KeyLimits } from './limit-types';
import { rateHeaders, type RateInfo } from './rate-headers';

/**
 * The key a /v1 answer is for, as far as its handler got: filled in once the key is known good
 * (before the body is read or any refusal), so every answer of that key, whatever ends it, leaves
 * with the key's rate headers (api/v1-routes.ts, v1Answer).
 */
export interface AnswerKey {
  /** The key's limits (with its team's); null until the key is known, or when it has none. */
  limits?: KeyLimits | null;
  /** Its client reads Anthropic's header names too: the Messages endpoints, Anthropic's clients on the model lists. */
  anthropic: boolean;
}

/**
 * The rate headers of an answer that is not admitted (a read, a refusal before admission): a
 * read-only look at the key's and its team's RPM/TPM windows, nothing counted. Null when neither
 * has an RPM or TPM limit (nothing is read, as admitted answers then carry none). Never fails:
 * counters that cannot answer leave the headers out.
 */
function peekLimitHeaders(ctx: AppContext, limits: KeyLimits | null | undefined, anthropic: boolean): Record<string, string> | null | Promise<Record<string, string> | null> {
  if (!limits || !limits.scopes.some((s) => s.rpm !== null || s.tpm !== null)) return null;
  const now = ctx.limits.now();
  const headers = (rate: RateInfo) => (anthropic ? { ...rateHeaders(rate), ...anthropicRateHeaders(rate, now) } : rateHeaders(rate));
  try {
    const rate = ctx.limits.counters.peekRate(limits.scopes, now);
    return rate instanceof Promise ? rate.then(headers, () => null) : headers(rate);
  } catch {
    return null;
  }
}

/**
 * An answer of a limited key as it leaves. An admitted request's answer and a rate refusal carry
 * the numbers of their admission already (no second look: the hot path stays one round trip);
 * any other (a read, a refusal before admission, an expired key's 401) gets them from a peek.
 */
export function withRateHeaders(ctx: AppContext, key: AnswerKey, res: Response): Response | Promise<Response> {
  // The requests trio is there where an RPM limit applies, the tokens trio where a TPM one does.
  if (res.headers.has('x-ratelimit-limit-requests') || res.headers.has('x-ratelimit-limit-tokens')) return res;
  const h = peekLimitHeaders(ctx, key.limits, key.anthropic);
  if (!h) return res;
  return h instanceof Promise ? h.then((h) => (h ? withHeaders(res, h) : res)) : withHeaders(res, h);
}
