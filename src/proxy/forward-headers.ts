/** Client request headers a provider may forward upstream (only the anthropic adapter reads them). */
const FORWARDED = ['anthropic-beta'] as const;

/** The forwardable headers the client sent, lower-case names; undefined when there are none. */
export function forwardableHeaders(headers: Headers): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const name of FORWARDED) {
    const v = headers.get(name);
    if (v) (out ??= {})[name] = v;
  }
  return out;
}
