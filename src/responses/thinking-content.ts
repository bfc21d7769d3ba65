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

/** Whether an input item is a reasoning item holding our encoding (a bridged Claude turn's signed thinking). */
const isBridgedThinking = (item: unknown): boolean => {
  const it = item as { type?: unknown; encrypted_content?: unknown } | null;
  return it?.type === 'reasoning' && typeof it.encrypted_content === 'string' && it.encrypted_content.startsWith(PREFIX);
};

/**
 * The request without the reasoning items whose encrypted_content is ours, for a provider's own
 * Responses API (OpenAI, xAI): a client gives a bridged Claude turn's output back as input, and the
 * next turn goes to OpenAI (another model named, a group's fallback). Claude's thinking means nothing
 * there, and OpenAI refuses encrypted content it did not issue (400 `invalid_encrypted_content`,
 * "The encrypted content … could not be verified"). The provider's own reasoning items stay as
 * they are. The request itself (nothing allocated) when its input is no array or holds none.
 */
export function withoutBridgedThinking<T extends { input?: unknown }>(req: T): T {
  const input = req.input;
  if (!Array.isArray(input) || !input.some(isBridgedThinking)) return req;
  return { ...req, input: input.filter((item) => !isBridgedThinking(item)) };
}
