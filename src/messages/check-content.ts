import { badRequest } from '../errors/api-error';
import { shownValue } from '../errors/shown-value';
import type { AnthropicMessageParam, MessagesRequest } from './anthropic-types';

/**
 * Anthropic's rules for a conversation's content that hold on every model, in Anthropic's own
 * words (the 400 invalid_request_error messages its API answers), checked before routing so a
 * translated target refuses what Anthropic refuses (before, it was sent on: a whitespace-only
 * turn, a tool_result for no call) and an Anthropic target costs no upstream call:
 * - text blocks non-empty and not whitespace alone (a whitespace-only string content too), in
 *   messages, tool results and system blocks; only the final assistant message (a prefill) may be
 *   empty, and it may not end with whitespace;
 * - `tool_use` ids unique; each tool_result answering a tool_use of the turn just before, and each
 *   tool_use answered in the turn after (consecutive messages of a role are one turn, as Anthropic
 *   reads them); a tool_use's `input` an object;
 * - an image's media type one Anthropic takes, its data base64;
 * - cache_control of type `ephemeral` with a `ttl` of 5m or 1h, on at most 4 blocks;
 * - a document's or search result's `citations` an object whose `enabled` is a boolean, a
 *   document's `title` and `context` strings (null allowed each).
 * Plain loops: this runs on every /v1/messages request.
 */
export function checkContent(req: MessagesRequest): void {
  const counter = { cached: 0 };
  checkSystem(req.system, counter);
  const messages = req.messages;
  const last = messages.length - 1;
  for (let i = 0; i <= last; i++) {
    const m = messages[i]!;
    if (m.role === 'system') continue;
    const prefill = i === last && m.role === 'assistant';
    if (typeof m.content === 'string') {
      if (m.content !== '') checkText(m.content, 'messages');
    } else {
      for (let j = 0; j < m.content.length; j++) checkBlock(m.content[j], `messages.${i}.content.${j}`, counter);
    }
    if (prefill && endsInWhitespace(m.content)) throw badRequest('messages: final assistant content cannot end with trailing whitespace', `messages.${i}.content`);
  }
  if (!messages.some(hasCompaction)) checkToolPairs(messages);
  if (Array.isArray(req.tools)) for (const t of req.tools) if (t?.cache_control !== undefined && t.cache_control !== null) counter.cached++;
  if (counter.cached > MAX_CACHED) throw badRequest(`A maximum of ${MAX_CACHED} blocks with cache_control may be provided. Found ${counter.cached}.`, 'cache_control');
}

const MAX_CACHED = 4;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64_HEAD = /^[A-Za-z0-9+/]+$/;
/** Image data is read at both ends only (256 characters each): screenshots of megabytes go with every Claude Code turn. */
const EDGE = 256;
/** Anything but whitespace: found at the first such character, where trim() would copy the text. */
const NOT_SPACE = /\S/;
const CACHE_TTLS = ['5m', '1h'];

/** The `where` of Anthropic's message is the list (`messages`, `system`), not the block's path. */
function checkText(text: string, where: string): void {
  if (text === '') throw badRequest(`${where}: text content blocks must be non-empty`, where);
  if (!NOT_SPACE.test(text)) throw badRequest(`${where}: text content blocks must contain non-whitespace text`, where);
}

function checkSystem(system: unknown, counter: { cached: number }): void {
  if (!Array.isArray(system)) return;
  for (let j = 0; j < system.length; j++) {
    const b = system[j];
    if (b?.type !== 'text' || typeof b.text !== 'string') continue; // the translator names those
    checkText(b.text, 'system');
    checkCacheControl(b, `system.${j}`, counter);
  }
}

/** One block of a message (and the blocks inside a tool result). Malformed ones are the translator's to name. */
function checkBlock(b: any, path: string, counter: { cached: number }): void {
  if (!b || typeof b !== 'object') return;
  checkCacheControl(b, path, counter);
  switch (b.type) {
    case 'text':
      if (typeof b.text !== 'string') throw badRequest(`${path}.text: Field required`, `${path}.text`);
      checkText(b.text, 'messages');
      return;
    case 'image':
      checkImage(b.source, `${path}.image.source`);
      return;
    case 'tool_use':
      if (b.input !== undefined && b.input !== null && (typeof b.input !== 'object' || Array.isArray(b.input))) {
        throw badRequest(`${path}.tool_use.input: Input should be a valid dictionary`, `${path}.input`);
      }
      return;
    case 'document':
      checkString(b.title, `${path}.document.title`, `${path}.title`);
      checkString(b.context, `${path}.document.context`, `${path}.context`);
      checkCitations(b.citations, `${path}.${b.type}.citations`, `${path}.citations`);
      return;
    case 'search_result':
      checkCitations(b.citations, `${path}.${b.type}.citations`, `${path}.citations`);
      return;
    case 'tool_result':
      if (Array.isArray(b.content)) for (let k = 0; k < b.content.length; k++) checkBlock(b.content[k], `${path}.tool_result.content.${k}`, counter);
      return;
  }
}

/** A document's `title` / `context`: a string or null (a number was sent on, a non-string context dropped). */
function checkString(v: unknown, at: string, param: string): void {
  if (v !== undefined && v !== null && typeof v !== 'string') throw badRequest(`${at}: Input should be a valid string`, param);
}

/** `citations` of a document or search result: null, or an object whose `enabled` (when given) is a boolean. */
function checkCitations(c: any, at: string, param: string): void {
  if (c === undefined || c === null) return;
  if (typeof c !== 'object' || Array.isArray(c)) throw badRequest(`${at}: Input should be a valid dictionary`, param);
  if (c.enabled !== undefined && c.enabled !== null && typeof c.enabled !== 'boolean') throw badRequest(`${at}.enabled: Input should be a valid boolean`, `${param}.enabled`);
}

function checkImage(s: any, path: string): void {
  if (!s || typeof s !== 'object' || s.type !== 'base64') return;
  if (typeof s.media_type === 'string' && !IMAGE_TYPES.includes(s.media_type)) {
    throw badRequest(`${path}.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`, `${path}.media_type`);
  }
  if (typeof s.data === 'string' && !looksBase64(s.data)) throw badRequest(`${path}.base64.data: Input should be valid base64 data`, `${path}.data`);
}

function looksBase64(data: string): boolean {
  if (data.length <= 2 * EDGE) return BASE64.test(data);
  return BASE64_HEAD.test(data.slice(0, EDGE)) && BASE64.test(data.slice(-EDGE));
}

/** cache_control names the block's type in its path, as Anthropic's does (`messages.0.content.1.text.cache_control`). */
function checkCacheControl(b: any, path: string, counter: { cached: number }): void {
  const c = b.cache_control;
  if (c === undefined || c === null) return;
  counter.cached++;
  const at = `${path}.${typeof b.type === 'string' ? b.type.slice(0, 64) : 'block'}.cache_control`;
  if (typeof c !== 'object' || Array.isArray(c)) throw badRequest(`${at}: Input should be a valid dictionary`, `${path}.cache_control`);
  if (c.type !== 'ephemeral') {
    throw badRequest(`${at}: Input tag '${shownValue(c.type)}' found using 'type' does not match any of the expected tags: 'ephemeral'`, `${path}.cache_control.type`);
  }
  if (c.ttl !== undefined && !CACHE_TTLS.includes(c.ttl)) throw badRequest(`${at}.ephemeral.ttl: Input should be '5m' or '1h'`, `${path}.cache_control.ttl`);
}

/** The content a prefill ends with: a string, or its last block when that is text. */
function endsInWhitespace(content: AnthropicMessageParam['content']): boolean {
  const tail = typeof content === 'string' ? content : content.length && content[content.length - 1]?.type === 'text' ? content[content.length - 1]!.text : null;
  return typeof tail === 'string' && tail !== '' && !NOT_SPACE.test(tail[tail.length - 1]!);
}

const hasCompaction = (m: AnthropicMessageParam) => Array.isArray(m.content) && m.content.some((b) => b?.type === 'compaction');

/**
 * tool_use ids unique within an assistant turn (Anthropic holds them unique over the conversation,
 * but some chat upstreams number their calls afresh each answer, `call_0`, and such a session,
 * which Anthropic never saw, must go on; Anthropic still judges it when it is the target); the tool_results of a user turn answer calls of the
 * assistant turn just before it, and every call of an assistant turn followed by a user turn is
 * answered there (`messages.N` the message of the first call left unanswered). A compacted
 * conversation (Anthropic drops what comes before its compaction block) is left to the
 * translation and Anthropic.
 */
function checkToolPairs(messages: readonly AnthropicMessageParam[]): void {
  /** The calls of the assistant turn before the current user turn: id -> its message. */
  let calls = new Map<string, number>();
  let answered = new Set<string>();
  /** The assistant turn holds a block of no type Anthropic could have: the translator names it, and its results are not judged. */
  let opaque = false;
  let role = '';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === 'system') continue;
    if (m.role !== role) {
      // A turn ends: an assistant turn's calls are open for the user turn now starting; a user turn's end closes them.
      if (role === 'user' && !opaque) unanswered(calls, answered);
      if (m.role === 'assistant') {
        calls = new Map();
        opaque = false;
      }
      answered = new Set();
      role = m.role;
    }
    if (!Array.isArray(m.content)) continue;
    for (let j = 0; j < m.content.length; j++) {
      const b = m.content[j];
      const path = `messages.${i}.content.${j}`;
      if (m.role === 'assistant' && !(typeof b?.type === 'string' && BLOCK_TYPE.test(b.type))) opaque = true;
      if (m.role === 'assistant' && b?.type === 'tool_use' && typeof b.id === 'string') {
        if (calls.has(b.id)) throw badRequest(`${path}: \`tool_use\` ids must be unique`, `${path}.id`);
        calls.set(b.id, i);
      } else if (m.role === 'user' && b?.type === 'tool_result') {
        if (typeof b.tool_use_id !== 'string' || !b.tool_use_id) throw badRequest(`${path}.tool_use_id: Field required`, `${path}.tool_use_id`);
        if (!calls.has(b.tool_use_id) && !opaque) {
          throw badRequest(
            `${path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id.slice(0, 128)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
            `${path}.tool_use_id`,
          );
        }
        answered.add(b.tool_use_id);
      }
    }
  }
  if (role === 'user' && !opaque) unanswered(calls, answered);
}

/** The form of Anthropic's block types (`tool_use`, `web_search_tool_result`, …). */
const BLOCK_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

/** The calls of an assistant turn the user turn after it left without a result. */
function unanswered(calls: Map<string, number>, answered: Set<string>): void {
  const missing = [...calls.keys()].filter((id) => !answered.has(id));
  if (!missing.length) return;
  const at = `messages.${calls.get(missing[0]!)}`;
  throw badRequest(
    `${at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.map((id) => id.slice(0, 128)).join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
    at,
  );
}
