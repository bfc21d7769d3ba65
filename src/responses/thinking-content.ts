/**
 * Anthropic's signed thinking blocks (a chat message's `thinking_blocks`, see
 * src/providers/anthropic/thinking-blocks.ts) ride in a Responses `reasoning` item as its
 * `encrypted_content`: opaque to the client, given back as an input item (or kept in the stored
 * conversation for previous_response_id), and turned back into `thinking_blocks` on the
 * assistant turn it belongs to, so multi-turn tool use with thinking keeps its signatures.
 */
import { shortId } from '../providers/openai/tool-call-id-limit';
import { compactionAsMessage, isBridgedCompaction } from './compaction-content';

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
 * The request for a provider's own Responses API (OpenAI, xAI), without the gateway's own items: a
 * client gives a bridged turn's output back as input, and the next turn goes to OpenAI (another model
 * named, a group's fallback). The reasoning items whose encrypted_content is ours are left out:
 * Claude's thinking means nothing there, and OpenAI refuses encrypted content it did not issue (400
 * `invalid_encrypted_content`, "The encrypted content … could not be verified"). A compaction item
 * of ours (compaction-content.ts) becomes the user message holding its summary, so the conversation
 * it stands for is not lost; a call id too long for OpenAI is shortened (below). The provider's own
 * items stay as they are. The request itself (nothing allocated) when its input is no array or holds none of ours: one scan.
 */
export function withoutBridgedItems<T extends { input?: unknown }>(req: T): T {
  const input = req.input;
  if (!Array.isArray(input) || !input.some(isBridgedItem)) return req;
  const kept = input.filter((item) => !isBridgedThinking(item));
  return { ...req, input: kept.map((item) => (isBridgedCompaction(item) ? compactionAsMessage(item) : longCallId(item) ? { ...item, call_id: shortId(item.call_id) } : item)) };
}

/**
 * OpenAI's Responses API refuses a `call_id` past 64 characters (400 string_above_max_length,
 * `input[i].call_id`), and a Gemini turn's calls carry their thought signature in theirs
 * (providers/gemini/tool-call-id.ts), hundreds of characters: a conversation that goes on at
 * OpenAI (Codex switched to an OpenAI model, a group's fallback) gets them shortened the way the
 * chat path shortens them (the same id always the same short one, so a call and its output pair).
 */
const RESPONSES_CALL_ID_MAX = 64;
const longCallId = (item: unknown): item is { call_id: string } => {
  const id = (item as { call_id?: unknown } | null)?.call_id;
  return typeof id === 'string' && id.length > RESPONSES_CALL_ID_MAX;
};

const isBridgedItem = (item: unknown): boolean => isBridgedThinking(item) || isBridgedCompaction(item) || longCallId(item);
