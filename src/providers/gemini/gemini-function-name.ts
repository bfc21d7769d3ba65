import { createHash } from 'node:crypto';

/**
 * Gemini refuses (400 INVALID_ARGUMENT "Invalid function name. Must start with a letter or an
 * underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.) or dashes (-), with a
 * maximum length of 64.") names OpenAI takes (`2fa_check`, `-x`). Some of its docs allow colons
 * too, its error does not: a colon is renamed as well (harmless: the client gets its name back).
 */
const GEMINI_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const MAX = 64;

/**
 * The name as Gemini takes it: a valid name unchanged, any other one made valid (characters
 * Gemini refuses become `_`, a leading `_` if it starts with neither a letter nor `_`) and
 * shortened, with 8 hex of its SHA-256 at the end so two names never meet (the same name always
 * gets the same one: in the tools, tool_choice and the history). functionNameRestorer gives the
 * client's name back in the answer.
 */
export function geminiFunctionName(name: string): string {
  if (GEMINI_NAME.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let head = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!/^[A-Za-z_]/.test(head)) head = `_${head}`;
  return `${head.slice(0, MAX - hash.length - 1)}_${hash}`;
}

const same = (name: string) => name;

/** The client's function name a Gemini answer's name stands for, from the request's tools. */
export function functionNameRestorer(tools: unknown): (name: string) => string {
  const changed = Array.isArray(tools)
    ? tools.map((t) => t?.function?.name).filter((n): n is string => typeof n === 'string' && !GEMINI_NAME.test(n))
    : [];
  if (changed.length === 0) return same;
  const byGemini = new Map(changed.map((n) => [geminiFunctionName(n), n]));
  return (name) => byGemini.get(name) ?? name;
}
