/**
 * Message of a Gemini error body (`{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT"}}`,
 * sometimes wrapped in an array by the streaming endpoint). Falls back to a generic text so the
 * proxy never forwards raw upstream bytes.
 */
export function geminiErrorMessage(body: unknown): string {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim().slice(0, 500) || 'Gemini returned an error.';
    }
  }
  if (Array.isArray(b)) b = b[0];
  const err = (b as { error?: { message?: unknown; status?: unknown } } | null)?.error;
  const message = typeof err?.message === 'string' ? err.message : null;
  const status = typeof err?.status === 'string' ? err.status : null;
  if (message && status) return `${message} (${status})`;
  return message ?? status ?? 'Gemini returned an error.';
}

/** The HTTP status a Gemini error body names (`error.code`), or null when it names none. */
export function geminiErrorStatus(body: unknown): number | null {
  const b = Array.isArray(body) ? body[0] : body;
  const code = (b as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 600 ? code : null;
}
