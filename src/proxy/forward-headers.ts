/** Client request headers a provider may forward upstream (only the anthropic adapter reads them). */
const FORWARDED = ['anthropic-beta'] as const;

/** The forwardable headers the client sent, lower-case names; undefined when there are none. */
export function forwardableHeaders(headers: Headers): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const name of FORWARDED) {
    const v = name === 'anthropic-beta' ? upstreamBeta(headers.get(name)) : headers.get(name);
    if (v) (out ??= {})[name] = v;
  }
  return out;
}

/**
 * A client's `anthropic-beta` as it goes to Anthropic: without the betas that describe how the
 * client signed in (`oauth-2025-04-20`, which Claude Code sends to a custom base URL when it holds
 * a subscription login). The gateway calls Anthropic with its own API key in `x-api-key`, and an
 * OAuth beta beside an API key describes an auth the call does not use. Null when nothing is left.
 */
export function upstreamBeta(value: string | null | undefined): string | null {
  if (!value) return null;
  if (!/(^|,)\s*oauth-/i.test(value)) return value;
  const kept = value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b && !/^oauth-/i.test(b));
  return kept.length ? kept.join(',') : null;
}
