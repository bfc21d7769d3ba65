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

/** The HTTP status a Gemini error body names (`error.code`), or null when it names none; Google's 499 CANCELLED the 500 it means (googleCancelled). */
export function geminiErrorStatus(body: unknown): number | null {
  const b = Array.isArray(body) ? body[0] : body;
  const err = (b as { error?: { code?: unknown } } | null)?.error;
  const code = err?.code;
  if (code === 499 && googleCancelled(err)) return 500;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 600 ? code : null;
}

/**
 * Google's 499 CANCELLED ("The operation was cancelled.", reason backendError), which Gemini answers
 * under heavy load: its backend gave up on the call, not the client (the gateway reads no answer to a
 * call it cancelled itself). Passed on as a 499 it told the client its request was invalid, no SDK
 * retried it, a group did not fall back, and its row read as a client that left. It is the 500 a
 * backend error is: a retryable 502.
 */
export function googleCancelled(err: any): boolean {
  return err?.status === 'CANCELLED';
}

/**
 * Google's 429 carries no `retry-after` header: the wait is a RetryInfo detail in the body
 * (`"retryDelay": "37s"`, a protobuf Duration). As whole seconds, rounded up, so the key pool
 * rests the key that long and the client's SDK (Claude Code's, OpenAI's) waits it out instead
 * of spending its retries on a per-minute quota.
 */
export function googleRetryDelay(err: any): string | null {
  if (!Array.isArray(err?.details)) return null;
  const info = err.details.find((d: any) => typeof d?.['@type'] === 'string' && d['@type'].endsWith('google.rpc.RetryInfo'));
  const m = typeof info?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(info.retryDelay.trim()) : null;
  return m ? String(Math.max(1, Math.ceil(Number(m[1])))) : null;
}

/**
 * Google answers a key it does not take (wrong, expired, deleted) with 400 INVALID_ARGUMENT, not a
 * 401: "API key not valid. Please pass a valid API key.", ErrorInfo reason API_KEY_INVALID. That is
 * the gateway's key refused, as a 401 is, not the client's request.
 */
export function googleKeyInvalid(err: any): boolean {
  if (!Array.isArray(err?.details)) return false;
  return err.details.some((d: any) => d?.reason === 'API_KEY_INVALID' && typeof d?.['@type'] === 'string' && d['@type'].endsWith('google.rpc.ErrorInfo'));
}

/**
 * Google's 400 FAILED_PRECONDITION for where the gateway runs, not what the client sent: "User
 * location is not supported for the API use.", "Gemini API free tier is not available in your
 * country. Please enable billing…". Only the operator can change it (another region, billing).
 */
export function googleRegionRefused(err: any): boolean {
  return err?.status === 'FAILED_PRECONDITION' && typeof err?.message === 'string' && /location is not supported|not available in your country/i.test(err.message);
}

/**
 * Google's 400 about an embedding's outputDimensionality ("…requests[0].output_dimensionality: …",
 * or the camelCase JSON name) names no field OpenAI's clients know: it is about `dimensions`, the
 * OpenAI field the gateway sends as outputDimensionality (embeddings/gemini-embeddings.ts).
 */
export function googleDimensionsRefused(message: unknown): boolean {
  return typeof message === 'string' && /output[_ ]?dimensionality/i.test(message);
}
