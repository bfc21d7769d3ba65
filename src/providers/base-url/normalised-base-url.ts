/**
 * A base URL as calls use it, from one as an operator pasted it from a provider's docs. Each
 * provider kind has one pure function that makes it (gemini/gemini-base-url.ts,
 * anthropic/anthropic-base-url.ts, openai-compatible/openai-compatible-base-url.ts); which one
 * applies is decided in provider-base-url.ts, the one place the environment, stored values, the
 * admin API and the Providers page go through.
 */
export interface NormalisedBaseUrl {
  /** The URL calls use: without trailing slashes, and changed as `change` says. */
  url: string;
  /**
   * What was changed and why, as a phrase following the URL as given ("ends in /v1, which the
   * gateway appends itself (…)"); null when nothing but trailing slashes was taken off.
   */
  change: string | null;
}

/** `url` without its trailing slashes: the form every base URL is kept in (paths start with `/`). */
export function withoutTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `url` (trailing slashes off) without the end `re` matches (`re` ends in `$`), that end said as the change; null when it does not match. */
export function trimmed(url: string, re: RegExp, why: (suffix: string) => string): NormalisedBaseUrl | null {
  const bare = withoutTrailingSlashes(url);
  const m = re.exec(bare);
  return m ? { url: bare.slice(0, m.index), change: why(m[0]) } : null;
}

/** `url` parsed, or null when it is no URL. */
export function parsedUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
