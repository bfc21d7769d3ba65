/**
 * What Anthropic bills beside an answer's own tokens that a stream shows before its final usage
 * counts it (message_delta's server_tool_use and iterations): a stream cut before that still bills
 * the web searches that ran and the compaction step it showed (native-messages.ts).
 */

/** The most of a compaction summary kept for its estimate (a summary is a few thousand tokens). */
const COMPACTION_CHARS = 200_000;

/** A stream's compaction summary so far (StreamTally.compaction) with one more piece of it. */
export function compactionText(sofar: string | undefined, piece: unknown): string {
  const text = (sofar ?? '') + (typeof piece === 'string' ? piece : '');
  return text.length > COMPACTION_CHARS ? text.slice(0, COMPACTION_CHARS) : text;
}

/**
 * Whether a content block of Anthropic's answer is the result of a web search it ran and bills:
 * a `web_search_tool_result` whose content is the list of results. One whose content is a
 * `web_search_tool_result_error` is not billed (Anthropic bills no search that ended in an error).
 */
export function billedWebSearch(block: unknown): boolean {
  const b = block as { type?: unknown; content?: unknown } | null | undefined;
  return b?.type === 'web_search_tool_result' && Array.isArray(b.content);
}
