/**
 * A string of its own, sharing nothing with the one it was cut from. JavaScriptCore's `slice`
 * (and a template holding one) keeps the whole original alive: a model name cut to 256 characters
 * for a log row held the 32 MB request body it came from for as long as the row waited to be
 * written (a failing or unreachable store keeps up to 100,000 rows, each counted at its own size).
 * For cuts of what clients send that outlive their request; not for the request path's common case.
 */
export const ownCopy = (s: string): string => JSON.parse(JSON.stringify(s)) as string;
