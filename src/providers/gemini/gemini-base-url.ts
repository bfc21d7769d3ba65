import { trimmed, withoutTrailingSlashes, type NormalisedBaseUrl } from '../base-url/normalised-base-url';

/**
 * A path at the end of a Gemini base URL that the gateway appends itself: it calls Gemini's native
 * API at `{base}/v1beta/models/{model}:generateContent`, so the base is the host root (or a relay's
 * prefix). `/v1beta/openai` is Google's OpenAI-compatible endpoint, which its OpenAI-SDK guide gives
 * as the base URL (pasted with its `/chat/completions` too); `/v1beta`, `/v1alpha` and `/v1` are the
 * versions of the native API.
 */
const APPENDED_PATH = /\/v1(?:beta|alpha)?(?:\/openai(?:\/chat\/completions)?)?$/;

/**
 * The Gemini base URL calls use: `url` without a trailing version path that would be doubled
 * (`https://generativelanguage.googleapis.com/v1beta/openai/` -> `https://generativelanguage.googleapis.com`).
 * Such a URL has one meaning, so it is taken rather than refused (every call would 404); whoever
 * set it is told which URL is used (the start's warning, the admin API's answer, the Providers page).
 */
export function geminiBaseUrl(url: string): NormalisedBaseUrl {
  return (
    trimmed(url, APPENDED_PATH, (p) => `ends in ${p}, a path the gateway appends itself (it calls Gemini's native API, {base}/v1beta/models/…, not its OpenAI-compatible one)`) ??
    { url: withoutTrailingSlashes(url), change: null }
  );
}
