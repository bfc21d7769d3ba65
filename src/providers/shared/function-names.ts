import { createHash } from 'node:crypto';

/**
 * Some providers refuse function names OpenAI takes (`^[a-zA-Z0-9_-]{1,64}$`): Gemini and Kimi
 * want a letter (Gemini: or `_`) first, which MCP servers' tools such as `21st_magic_component_builder`
 * do not have. Such a name goes up renamed and the answer's calls get the client's name back.
 */
export interface FunctionNameRule {
  /** Names the provider takes as they are. */
  valid: RegExp;
  /** A character the provider refuses anywhere in a name (a global regex). */
  refused: RegExp;
}

const MAX = 64;

/**
 * The name as the provider takes it: a valid name unchanged, any other one made valid (each
 * refused character becomes `_`, `fn_` in front when it does not start with a letter) and
 * shortened, with 8 hex of its SHA-256 at the end so two names never meet (the same name always
 * gets the same one: in the tools, tool_choice and the history).
 */
export function renameFunction(rule: FunctionNameRule, name: string): string {
  if (rule.valid.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let head = name.replace(rule.refused, '_');
  if (!/^[A-Za-z]/.test(head)) head = `fn_${head}`;
  return `${head.slice(0, MAX - hash.length - 1)}_${hash}`;
}

const same = (name: string) => name;

/** The client's function name an answer's name stands for, from the request's (OpenAI) tools. */
export function functionNameRestorer(rule: FunctionNameRule, tools: unknown): (name: string) => string {
  const renamed = Array.isArray(tools)
    ? tools.map((t) => t?.function?.name).filter((n): n is string => typeof n === 'string' && !rule.valid.test(n))
    : [];
  if (renamed.length === 0) return same;
  const byProvider = new Map(renamed.map((n) => [renameFunction(rule, n), n]));
  return (name) => byProvider.get(name) ?? name;
}
