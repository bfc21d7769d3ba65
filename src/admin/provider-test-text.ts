/**
 * What a provider's connection test says went wrong, in words an operator reads on the Providers
 * page: the upstream's own error message rather than the JSON around it, and "connection refused
 * at 127.0.0.1:11434" rather than the runtime's "ECONNREFUSED: Unable to connect. Is the computer
 * able to access the url?".
 */

/** The message of a JSON error body (OpenAI's, Anthropic's and Gemini's `error.message`, or a bare `error`/`message`/`detail`), or null. */
function errorMessageOf(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  // Gemini's streaming endpoint wraps its error in an array.
  const b = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | null;
  if (!b || typeof b !== 'object') return null;
  const err = b.error as Record<string, unknown> | string | undefined;
  for (const m of [typeof err === 'object' && err ? err.message : err, b.message, b.detail]) {
    if (typeof m === 'string' && m.trim()) return m.trim();
  }
  return null;
}

/** An upstream's non-2xx answer to the model list: `HTTP 401: Incorrect API key provided…`. */
export function upstreamRefusalText(status: number, text: string): string {
  const message = errorMessageOf(text);
  if (message) return `HTTP ${status}: ${message}`;
  const t = text.trim();
  // A proxy's or web server's page (nginx's 502, a login page): not the API at all.
  if (t.startsWith('<')) return `HTTP ${status}, a web page rather than an API answer: is the base URL right?`;
  return t ? `HTTP ${status}: ${t}` : `HTTP ${status}`;
}

/** Why no answer came from `url` (a fetch's error). */
export function noAnswerText(err: unknown, url: string, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  let host = url;
  try {
    const u = new URL(url);
    host = u.port ? `${u.hostname}:${u.port}` : u.hostname;
  } catch {
    // not a URL: name it as given
  }
  if (e?.code === 'ECONNREFUSED') return `connection refused at ${host} (is the server running there?)`;
  if (e?.code === 'ENOTFOUND') return `no such host: ${host.replace(/:\d+$/, '')} (the name does not resolve)`;
  return String(e?.message ?? err);
}
