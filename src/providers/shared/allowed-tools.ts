/**
 * Chat's `tool_choice: {type: "allowed_tools", allowed_tools: {mode, tools}}` (OpenAI's: the model may
 * call only the listed tools, of all those given, `mode` `auto` or `required`) for an upstream that
 * lacks it (DeepSeek, Kimi, Grok and Ollama take `auto`, `required`, `none` or a named function;
 * Anthropic `auto`, `any`, `none` or a named tool): the same request in their terms, only the allowed
 * tools sent and the mode as the choice. The Responses bridge does the same (responses/map-tools.ts).
 */

/** A tool's kind and name in chat's form: `function` (`{function: {name}}`) or `custom` (`{custom: {name}}`). */
function toolKey(t: unknown): string | null {
  if (!t || typeof t !== 'object') return null;
  const { type } = t as { type?: unknown };
  if (type !== 'function' && type !== 'custom') return null;
  const name = (t as Record<string, { name?: unknown } | undefined>)[type]?.name;
  return typeof name === 'string' ? `${type}:${name}` : null;
}

/**
 * The tools `choice` allows and the choice that says its mode, or null when `choice` is not an
 * `allowed_tools` choice with a list (the request's validation refused a malformed one, and a list
 * naming a tool not in `tools`).
 */
export function narrowAllowedTools(tools: unknown, choice: unknown): { tools: unknown[]; toolChoice: 'auto' | 'required' } | null {
  const c = choice as { type?: unknown; allowed_tools?: { mode?: unknown; tools?: unknown } } | null;
  if (!c || typeof c !== 'object' || c.type !== 'allowed_tools' || !Array.isArray(c.allowed_tools?.tools) || !Array.isArray(tools)) return null;
  const allowed = new Set(c.allowed_tools.tools.map(toolKey));
  return { tools: tools.filter((t) => allowed.has(toolKey(t))), toolChoice: c.allowed_tools.mode === 'required' ? 'required' : 'auto' };
}

/** The body's `allowed_tools` choice, in place, as its allowed tools and its mode (see narrowAllowedTools). */
export function allowedToolsAsTools(body: Record<string, unknown>): void {
  const narrowed = narrowAllowedTools(body.tools, body.tool_choice);
  if (!narrowed) return;
  body.tools = narrowed.tools;
  body.tool_choice = narrowed.toolChoice;
}
