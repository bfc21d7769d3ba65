/**
 * Claude Code's attribution block: the first system block of its requests reads
 * `x-anthropic-billing-header: cc_version=2.1.117.48f; cc_entrypoint=cli; cch=71fea;`, a build tag
 * taken from the conversation's first prompt and a hash of the request body, new on every request.
 * Anthropic's API takes it out before the prompt is read or cached. Translated for another provider
 * it opened the system message, so the prompt's first tokens changed every turn and the provider's
 * automatic prefix cache (OpenAI's, DeepSeek's, Gemini's, Kimi's) never hit: each turn of a long
 * session billed whole. It says nothing to a model, so it is left out (the line, where text follows it).
 */
const ATTRIBUTION = /^\s*x-anthropic-billing-header:[^\n]*(?:\n|$)/;

/** A system text without Claude Code's attribution line. Pure. */
export const withoutAttribution = (text: string): string => (text.includes('x-anthropic-billing-header:') ? text.replace(ATTRIBUTION, '') : text);
