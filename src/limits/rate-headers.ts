/** Rate-limit state of the tightest scope, for OpenAI's `x-ratelimit-*` headers. */
export interface RateInfo {
  requests: { limit: number; remaining: number; resetMs: number } | null;
  tokens: { limit: number; remaining: number; resetMs: number } | null;
}

/** A duration as OpenAI writes its reset headers (Go's style): `20ms`, `1s`, `1.5s`, `6m0s`. */
export function formatDuration(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  // Just after an admission the window's newest entry is now: a whole minute (the common case).
  if (t === 60_000) return '1m0s';
  if (t < 1000) return `${t}ms`;
  const min = Math.floor(t / 60_000);
  const s = (t % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  return min > 0 ? `${min}m${sec}` : sec;
}

/** `x-ratelimit-*` headers: the request trio where an RPM limit applies, the token trio where a TPM limit does. */
export function rateHeaders(r: RateInfo): Record<string, string> {
  const q = r.requests;
  const t = r.tokens;
  // Both trios as one literal (one object shape) when both limits apply.
  if (q && t) {
    return {
      'x-ratelimit-limit-requests': String(q.limit),
      'x-ratelimit-remaining-requests': String(Math.max(0, q.remaining)),
      'x-ratelimit-reset-requests': formatDuration(q.resetMs),
      'x-ratelimit-limit-tokens': String(t.limit),
      'x-ratelimit-remaining-tokens': String(Math.max(0, t.remaining)),
      'x-ratelimit-reset-tokens': formatDuration(t.resetMs),
    };
  }
  const h: Record<string, string> = {};
  if (r.requests) {
    h['x-ratelimit-limit-requests'] = String(r.requests.limit);
    h['x-ratelimit-remaining-requests'] = String(Math.max(0, r.requests.remaining));
    h['x-ratelimit-reset-requests'] = formatDuration(r.requests.resetMs);
  }
  if (r.tokens) {
    h['x-ratelimit-limit-tokens'] = String(r.tokens.limit);
    h['x-ratelimit-remaining-tokens'] = String(Math.max(0, r.tokens.remaining));
    h['x-ratelimit-reset-tokens'] = formatDuration(r.tokens.resetMs);
  }
  return h;
}
