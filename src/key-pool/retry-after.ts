/** Cooldown of a key answered 429 without a usable `retry-after`. */
export const DEFAULT_COOLDOWN_MS = 60_000;

/**
 * `retry-after` as milliseconds from `now`: delta-seconds (`7`, `0.5`) or an HTTP date
 * (RFC 9110). `0`, or a date already past, is a wait of 0: the upstream said "at once" (read as
 * no value, a key answered `retry-after: 0` rested the default 60 s). Missing or unparsable
 * values give null (the caller's default applies).
 */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** `retry-after-ms` (OpenAI's, Azure's exact wait) as milliseconds (0: at once); null when missing or not a number of 0 or more. */
export function retryAfterMsHeader(value: string | null | undefined): number | null {
  const ms = Number(value?.trim() || NaN);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/**
 * The wait a failure's headers name in ms (0: at once), null when none: the exact `retry-after-ms`
 * first, as the OpenAI and Anthropic SDKs read it, else `retry-after`.
 */
export function namedRetryMs(headers: Record<string, string>, now: number): number | null {
  return retryAfterMsHeader(headers['retry-after-ms']) ?? retryAfterMs(headers['retry-after'], now);
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
 * The wait a 429 names in OpenAI's limit headers, in ms (0: at once), null when none: the reset of
 * each limit it exhausted (`x-ratelimit-remaining-requests: 0` with `x-ratelimit-reset-requests:
 * 6m0s`, `1s`, `20ms`; the same for tokens), the later one. Read when it names no `retry-after`:
 * without it the key would rest the default 60 s whatever the limit's window (a per-day token
 * limit, or a per-second one), and the client be told so.
 */
export function resetWaitMs(headers: Headers): number | null {
  let wait: number | null = null;
  for (const what of ['requests', 'tokens']) {
    if (headers.get(`x-ratelimit-remaining-${what}`)?.trim() !== '0') continue;
    const reset = durationMs(headers.get(`x-ratelimit-reset-${what}`));
    if (reset !== null) wait = Math.max(wait ?? 0, reset);
  }
  return wait;
}

/**
 * The wait a 429's message names, in ms, null when none: OpenAI's "Please try again in 958ms." /
 * "in 1.4s." / "in 6m0s." (a TPM limit the request is larger than what is left shows no limit
 * exhausted in the headers) and Moonshot's "please try again after 1 seconds" (it sends no
 * `retry-after`). Read last, when neither the headers nor the body named a wait.
 */
export function messageWaitMs(message: string): number | null {
  const m = /\btry again (?:in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)(?![a-z])|after (\d+(?:\.\d+)?) ?(?:seconds?|s)\b)/i.exec(message);
  if (!m) return null;
  return m[1] !== undefined ? durationMs(m[1]) : Number(m[2]) * 1000;
}
