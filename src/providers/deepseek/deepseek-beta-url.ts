import type { ProviderSettings } from '../types';

/** DeepSeek's own API host: the only one whose beta base URL the gateway may derive. */
const DEEPSEEK_HOST = 'api.deepseek.com';

/**
 * The base URL that serves DeepSeek's Chat Prefix Completion, which DeepSeek serves only on its
 * beta API (`https://api.deepseek.com/beta`):
 * - LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL when set (a proxy or relay in front of DeepSeek
 *   names its own);
 * - else, when the base URL is DeepSeek's own host (`https://api.deepseek.com`, with or without
 *   `/v1`, the default), that host's `/beta`;
 * - else none: a base URL the operator pointed somewhere else is never rewritten to another path
 *   or host, so a prefill there goes up as a past assistant turn (no `prefix` flag), as before.
 */
export function deepseekBetaBaseUrl(settings: ProviderSettings, defaultBaseUrl: string): string | undefined {
  if (settings.betaBaseUrl) return settings.betaBaseUrl;
  let url: URL;
  try {
    url = new URL(settings.baseUrl || defaultBaseUrl);
  } catch {
    return undefined;
  }
  const ownHost = url.protocol === 'https:' && url.hostname === DEEPSEEK_HOST && url.port === '' && !url.username && !url.search;
  return ownHost && /^\/(v1\/?)?$/.test(url.pathname) ? `${url.origin}/beta` : undefined;
}
