/**
 * Whether a content block of Anthropic's answer is the result of a web search it ran and bills:
 * a `web_search_tool_result` whose content is the list of results. One whose content is a
 * `web_search_tool_result_error` is not billed (Anthropic bills no search that ended in an error).
 * A stream's final usage counts the searches (server_tool_use.web_search_requests); these blocks
 * let a stream cut before it still bill the searches that ran (native-messages.ts).
 */
export function billedWebSearch(block: unknown): boolean {
  const b = block as { type?: unknown; content?: unknown } | null | undefined;
  return b?.type === 'web_search_tool_result' && Array.isArray(b.content);
}
