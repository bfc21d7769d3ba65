/**
 * Sets `headers` on an answer. A fetch() Response passed on as it is has immutable headers:
 * then it is copied into a new Response (the body is not read).
 */
export function withHeaders(res: Response, headers: Record<string, string>): Response {
  try {
    for (const k in headers) res.headers.set(k, headers[k]!);
    return res;
  } catch {
    const out = new Response(res.body, res);
    for (const k in headers) out.headers.set(k, headers[k]!);
    return out;
  }
}
