import { createHash } from 'node:crypto';

/**
 * Chat APIs take function names of at most 64 characters (OpenAI: "string too long. Expected a
 * string with maximum length 64"; Gemini and DeepSeek the same), Anthropic up to 128, and Claude
 * Code names MCP tools `mcp__<server>__<tool>`, which can pass 64. A longer name goes up
 * shortened, its head and 8 hex of its SHA-256 (the same name always gets the same short one, in
 * the tools, tool_choice and the history), and the answer's calls get the client's name back.
 */
export const CHAT_TOOL_NAME_MAX = 64;

/** The name as a chat API takes it. */
export function chatToolName(name: string): string {
  if (name.length <= CHAT_TOOL_NAME_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, CHAT_TOOL_NAME_MAX - hash.length - 1)}_${hash}`;
}

const same = (name: string) => name;

/** The client's tool name a chat answer's function name stands for, from the request's tools. */
export function toolNameRestorer(tools: unknown): (name: string) => string {
  const long = Array.isArray(tools) ? tools.map((t) => t?.name).filter((n): n is string => typeof n === 'string' && n.length > CHAT_TOOL_NAME_MAX) : [];
  if (long.length === 0) return same;
  const byShort = new Map(long.map((n) => [chatToolName(n), n]));
  return (name) => byShort.get(name) ?? name;
}
