/**
 * A kept request body (LOGGING__STORE_BODIES) as the Logs detail shows it. The row holds
 * `{"request": <the chat request>, "response": "<the answer's text>"}` on one line
 * (src/proxy/request-outcome.ts): shown as stored, a multi-line answer read as one line of `\n`s
 * and the request as one unbroken run of JSON.
 */
export interface BodyParts {
  /** The request's JSON, indented. */
  request: string;
  /** The answer's text, its line breaks as line breaks. */
  answer: string;
}

/** The two parts of a stored body, or null for anything else (shown as stored). */
export function bodyParts(body: string): BodyParts | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const { request, response } = parsed as Record<string, unknown>;
  if (request === undefined || (typeof response !== 'string' && response != null)) return null;
  return { request: JSON.stringify(request, null, 2), answer: response ?? '' };
}
