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
