/** Cooldown of a key answered 429 without a usable `retry-after`. */
export const DEFAULT_COOLDOWN_MS = 60_000;

/**
 * `retry-after` as milliseconds from `now`: delta-seconds (`7`, `0.5`) or an HTTP date
 * (RFC 9110). Missing, unparsable or past values give null (the caller's default applies).
 */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const ms = Number(v) * 1000;
    return ms > 0 ? ms : null;
  }
  const at = Date.parse(v);
  if (Number.isNaN(at) || at <= now) return null;
  return at - now;
}

/** `retry-after-ms` (OpenAI's, Azure's exact wait) as milliseconds; null when missing or not a positive number. */
export function retryAfterMsHeader(value: string | null | undefined): number | null {
  const ms = Number(value);
  return value && Number.isFinite(ms) && ms > 0 ? ms : null;
}

/** OpenAI's reset durations (`1s`, `6m0s`, `20ms`, `1h2m3.5s`) as milliseconds; null when not one. */
export function durationMs(value: string | null | undefined): number | null {
  const v = value?.trim();
  if (!v || !/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(v)) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  let ms = 0;
  for (const [, n, , u] of v.matchAll(/(\d+(\.\d+)?)(ms|h|m|s)/g)) ms += Number(n) * unit[u as keyof typeof unit];
  return ms;
}

/**
 * The wait a 429 names other than in `retry-after`, as whole seconds (at least 1): `retry-after-ms`
 * (OpenAI's SDKs read it first), else the reset of each of OpenAI's limits it exhausted
 * (`x-ratelimit-remaining-requests: 0` with `x-ratelimit-reset-requests: 6m0s`; the same for
 * tokens), the later one. Without it the key would rest the default 60 s whatever the limit's
 * window (a per-day token limit, or a per-second one), and the client be told so.
 */
export function impliedRetryAfter(headers: Headers): string | null {
  let wait = retryAfterMsHeader(headers.get('retry-after-ms')) ?? 0;
  if (!wait) {
    for (const what of ['requests', 'tokens']) {
      if (headers.get(`x-ratelimit-remaining-${what}`)?.trim() !== '0') continue;
      wait = Math.max(wait, durationMs(headers.get(`x-ratelimit-reset-${what}`)) ?? 0);
    }
  }
  return wait > 0 ? String(Math.max(1, Math.ceil(wait / 1000))) : null;
}
