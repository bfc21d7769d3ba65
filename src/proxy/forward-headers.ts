import { badRequest } from '../errors/api-error';

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

/** Whether an `anthropic-beta` value asks for Claude's 1M context window (`context-1m-2025-08-07`). */
export function asksLongContext(anthropicBeta: string | null | undefined): boolean {
  return !!anthropicBeta && /(^|,)\s*context-1m-/i.test(anthropicBeta);
}

/** Every client header some endpoint hands to a provider (here, and /v1/messages' anthropic-version). */
const SENT_UPSTREAM = ['anthropic-beta', 'anthropic-version'] as const;

/**
 * Refuses (400 naming it) a header that may reach a provider unless it is printable ASCII: Bun's
 * parser passes bytes past ASCII on as Latin-1 characters, which would go upstream re-encoded as
 * UTF-8, a value the client never sent. (CR, LF and NUL never get this far: Bun answers 400.)
 */
export function checkForwardedHeaders(headers: Headers): void {
  for (const name of SENT_UPSTREAM) {
    const v = headers.get(name);
    if (v !== null && !/^[\t\x20-\x7e]*$/.test(v)) throw badRequest(`The '${name}' header must be printable ASCII.`, name);
  }
}
