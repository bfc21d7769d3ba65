/**
 * xAI's error body is not OpenAI's: `{"code": "<gRPC status in words>", "error": "<message>"}`,
 * the message a string at the top level ("Client specified an invalid argument", "invalid-argument",
 * "Some resource has been exhausted", "The caller does not have permission to execute the
 * specified operation", "permission-denied"). These read what the message says, in its first
 * MESSAGE_READ characters: xAI's are a sentence or two, and the out-of-credit pattern backtracks from
 * each "team" to the end, so a 16 KB body of "team team …" cost ~36 ms of the event loop.
 */
const MESSAGE_READ = 512;
const messageOf = (json: unknown): string | null => {
  const error = (json as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error.slice(0, MESSAGE_READ) : null;
};

/**
 * xAI answers a key it does not take with HTTP 400, not 401: "Incorrect API key provided: xa***Tl.
 * You can obtain an API key from https://console.x.ai." That is the gateway's key refused, as a 401
 * is, not the client's request.
 */
export function xaiKeyInvalid(json: unknown): boolean {
  return /^Incorrect API key provided\b/i.test(messageOf(json) ?? '');
}

/**
 * xAI's team out of credit, answered 429 ("Your team <id> has either used all available credits or
 * reached its monthly spending limit. To continue making API requests, please purchase more credits
 * or raise your spending limit.") or 403 (the same words, or "Your newly created team doesn't have
 * any credits or licenses yet"): neither a rate limit a wait ends nor a refused key.
 */
export function xaiOutOfCredit(json: unknown): boolean {
  return /\bteam\b.*\b(used all available credits|(doesn't|does not) have any credits)/i.test(messageOf(json) ?? '');
}

/**
 * xAI's refusal of what the request asks for, answered 403 (its 400 too): "Content violates usage
 * guidelines. Team: …, API key ID: …, Model: …, Failed check: SAFETY_CHECK_TYPE_BIO". The
 * client's content refused, not the gateway's key: a 403 would set the key aside.
 */
export function xaiContentBlocked(json: unknown): boolean {
  return /^Content violates usage guidelines\b/i.test(messageOf(json) ?? '');
}

/**
 * xAI's image API refusing what it made, answered 400: "Generated image rejected by content
 * moderation." Matched on its two telling words, case aside, so a reworded sentence still reads as
 * the moderation refusal it is (OpenAI's `content_policy_violation` on `prompt`), not an upstream fault.
 */
export function xaiModerationRefused(json: unknown): boolean {
  return /\bcontent moderation\b/i.test(messageOf(json) ?? '');
}

/**
 * xAI busy, said with a 429: "The service is temporarily at capacity. Please retry your request
 * shortly." Not the team's rate limit: the overload it is (no key rests for it).
 */
export function xaiAtCapacity(json: unknown): boolean {
  return /\btemporarily at capacity\b/i.test(messageOf(json) ?? '');
}

/**
 * xAI's answer to Live Search since it retired it, 410 Gone: "Live search is deprecated. Please
 * switch to the Agent Tools API: https://docs.x.ai/docs/guides/tools/overview". The request's
 * `search_parameters` refused, as a 400 names a parameter a model does not take.
 */
export function xaiLiveSearchGone(json: unknown): boolean {
  return /\blive search is deprecated\b/i.test(messageOf(json) ?? '');
}

/**
 * xAI's words for a model it does not have, said with a 404 ("The model grok-x does not exist or
 * your team <id> does not have access to it. …") or a 400 ("Model not found: grok-2-latest").
 */
export function xaiModelNotFound(json: unknown): boolean {
  return /^(the model \S+ does not exist\b|model not found\b)/i.test(messageOf(json) ?? '');
}
