/**
 * Anthropic's signed thinking blocks (a chat message's `thinking_blocks`, see
 * src/providers/anthropic/thinking-blocks.ts) ride in a Responses `reasoning` item as its
 * `encrypted_content`: opaque to the client, given back as an input item (or kept in the stored
 * conversation for previous_response_id), and turned back into `thinking_blocks` on the
 * assistant turn it belongs to, so multi-turn tool use with thinking keeps its signatures.
 */
const PREFIX = 'gg-thinking-v1:';

export function encodeThinking(blocks: unknown): string | null {
  if (!Array.isArray(blocks) || blocks.length === 0) return null;
  return PREFIX + Buffer.from(JSON.stringify(blocks)).toString('base64');
}

/** The blocks in a reasoning item's encrypted_content, or null when it holds none of ours (e.g. OpenAI's). */
export function decodeThinking(encrypted: unknown): unknown[] | null {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX)) return null;
  try {
    const blocks = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), 'base64').toString('utf8'));
    return Array.isArray(blocks) && blocks.length ? blocks : null;
  } catch {
    return null;
  }
}
