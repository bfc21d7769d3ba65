/**
 * Which clients read Anthropic's shapes. Used only where the answer's shape is chosen on the request
 * (GET /v1/models, and an error no endpoint answered): a regex on the path and a header lookup.
 */

/** /v1/messages and everything under it: Anthropic's API. */
const ANTHROPIC_PATHS = /^\/v1\/messages(?:\/|$)/;

/** Anthropic's SDKs (and Claude Code) send `anthropic-version` on every call; OpenAI's clients never do. */
export const isAnthropicClient = (request: Request) => request.headers.has('anthropic-version');

/** A path of Anthropic's API (`/v1/messages`, `/v1/messages/batches`, …), whoever calls it. */
export const isAnthropicPath = (path: string) => ANTHROPIC_PATHS.test(path);

/**
 * Whether a /v1 answer no endpoint shaped (an unknown path or method) speaks Anthropic: on
 * Anthropic's paths, or to an Anthropic client (`client.beta.files.list()` and the like) anywhere.
 */
export const speaksAnthropic = (request: Request, path: string) => isAnthropicPath(path) || isAnthropicClient(request);
