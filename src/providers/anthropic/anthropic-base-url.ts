import { trimmed, withoutTrailingSlashes, type NormalisedBaseUrl } from '../base-url/normalised-base-url';

/**
 * What the gateway appends to an Anthropic base URL itself (`/v1/messages`,
 * `/v1/messages/count_tokens`, `/v1/models`), so a base ending in `/v1` (Anthropic's OpenAI-SDK
 * guide gives `https://api.anthropic.com/v1/`) or in the endpoint (`…/v1/messages`, as Anthropic's
 * API reference shows it) called `…/v1/v1/messages`: a 404 on every call.
 */
const APPENDED_PATH = /\/v1(?:\/messages(?:\/count_tokens)?)?$/;

/** The Anthropic base URL calls use: the host root (or a relay's prefix), without `/v1…` at its end. */
export function anthropicBaseUrl(url: string): NormalisedBaseUrl {
  return (
    trimmed(url, APPENDED_PATH, (p) => `ends in ${p}, which the gateway appends itself ({base}/v1/messages)`) ??
    { url: withoutTrailingSlashes(url), change: null }
  );
}
