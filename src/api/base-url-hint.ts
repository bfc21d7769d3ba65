/**
 * An unknown route that is the model API's path without its `/v1` (an OpenAI SDK given the
 * gateway's root as its base URL) or with it twice (an Anthropic SDK, or Claude Code's
 * ANTHROPIC_BASE_URL, given `…/v1`: they add `/v1` themselves). The 404 says which base URL fits,
 * since `Invalid URL` alone reads like an endpoint the gateway lacks.
 */

/** What follows `/v1` on the model API's routes (GET /models is also the dashboard's Models page). */
const API_TAIL = /^\/(?:chat\/completions|completions|responses(?:\/[^/]+(?:\/input_items|\/cancel)?)?|embeddings|images\/generations|models(?:\/.+)?|messages(?:\/count_tokens)?)$/;

/** The sentence added to an unknown route's 404, or '' when the path is no API path misplaced. */
export function baseUrlHint(path: string): string {
  if (path.startsWith('/v1/v1/') && API_TAIL.test(path.slice(6))) {
    return " The path holds /v1 twice: Anthropic's SDKs and Claude Code (ANTHROPIC_BASE_URL) add /v1 themselves, so give them the gateway's root URL, http://<host>:<port>; OpenAI's SDKs take http://<host>:<port>/v1.";
  }
  if (API_TAIL.test(path)) {
    return " The API is under /v1: an OpenAI SDK's base URL is http://<host>:<port>/v1 (an Anthropic SDK's is http://<host>:<port>: it adds /v1 itself).";
  }
  return '';
}

/** OpenAI's wording for an unknown route, `Invalid URL (POST /v1/images/edits).`, plus the base URL hint. */
export function invalidUrlMessage(method: string, path: string): string {
  return `Invalid URL (${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}).${baseUrlHint(path)}`;
}

/** The request carries a client key (`gg-…`) the way the SDKs send it: a model API call, never a browser's page load. */
export function sendsClientKey(request: Request): boolean {
  return /^bearer\s+gg-/i.test(request.headers.get('authorization') ?? '') || (request.headers.get('x-api-key') ?? '').startsWith('gg-');
}
