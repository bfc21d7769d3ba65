import type { RateInfo } from './rate-headers';

/**
 * When a window is whole again, as Anthropic writes its `-reset` headers: an RFC 3339 UTC time in
 * whole seconds (`2026-03-10T12:01:00Z`), rounded up so a client that waits for it is never early.
 */
export function resetTime(now: number, resetMs: number): string {
  const at = Math.ceil((now + Math.max(0, resetMs)) / 1000) * 1000;
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/**
 * `anthropic-ratelimit-*` headers for /v1/messages and count_tokens, from the same state as
 * OpenAI's `x-ratelimit-*` (the tighter of key and team): the requests trio where an RPM limit
 * applies, the tokens trio where a TPM limit does. Anthropic counts input and output tokens in
 * separate windows; the gateway's TPM is one window for both, so the `input-tokens` and
 * `output-tokens` trios repeat its figures: each is what that kind alone could still use, and
 * they are not to be added up.
 */
export function anthropicRateHeaders(r: RateInfo, now: number): Record<string, string> {
  const h: Record<string, string> = {};
  if (r.requests) {
    h['anthropic-ratelimit-requests-limit'] = String(r.requests.limit);
    h['anthropic-ratelimit-requests-remaining'] = String(Math.max(0, r.requests.remaining));
    h['anthropic-ratelimit-requests-reset'] = resetTime(now, r.requests.resetMs);
  }
  if (r.tokens) {
    const limit = String(r.tokens.limit);
    const remaining = String(Math.max(0, r.tokens.remaining));
    const reset = resetTime(now, r.tokens.resetMs);
    for (const kind of ['tokens', 'input-tokens', 'output-tokens']) {
      h[`anthropic-ratelimit-${kind}-limit`] = limit;
      h[`anthropic-ratelimit-${kind}-remaining`] = remaining;
      h[`anthropic-ratelimit-${kind}-reset`] = reset;
    }
  }
  return h;
}
