import type { ProviderSettings, UpstreamCall } from '../types';

/** `base` + `/path`, tolerating a trailing slash on the configured base URL. */
export function joinUrl(base: string, path: string): string {
  return (base.endsWith('/') ? base.replace(/\/+$/, '') : base) + path;
}

/**
 * An OpenAI-style call: POST `base` + `path` with `body` as JSON and the provider's key, when it
 * has one, as a bearer token. `extra` headers are added after those.
 */
export function bearerJsonPost(settings: ProviderSettings, path: string, body: unknown, extra?: Record<string, string>, base = settings.baseUrl): UpstreamCall {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  if (extra) Object.assign(headers, extra);
  return { url: joinUrl(base, path), method: 'POST', headers, body: JSON.stringify(body) };
}

/** A Gemini model id as its URL path takes it: Google's own spelling, `models/gemini-2.5-flash`, names the same model. */
export const geminiModelId = (model: string) => model.replace(/^models\//, '');

/**
 * The headers of a JSON call to Google's Gemini API: the key in `x-goog-api-key`, never in the
 * query string (where it would end up in logs).
 */
export function googleJsonHeaders(settings: ProviderSettings): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.apiKey) headers['x-goog-api-key'] = settings.apiKey;
  return headers;
}
