/**
 * What OpenAI's Codex CLI reads of a /v1/responses stream and what it sends back, as its Rust client
 * does it (codex-rs: codex-api/src/sse/responses.rs, protocol/src/models.rs), so tests can hold the
 * gateway to it. Codex parses each `response.output_item.done` item into its `ResponseItem` enum
 * (an item of a known type that does not parse is dropped without a word), needs the stream to end
 * with `response.completed` whose `response.id` is a string and whose usage, when present, has
 * integer input/output/total tokens (and `cached_tokens` / `reasoning_tokens` in their details);
 * anything else is "failed to parse ResponseCompleted", retried as a broken stream.
 */
import { expect } from 'bun:test';

const isInt = (v: unknown) => Number.isInteger(v);
const isStr = (v: unknown) => typeof v === 'string';

/** Why Codex could not read an output item, or null when it reads it (unknown types are read as `Other`). */
export function codexItemProblem(item: any): string | null {
  switch (item?.type) {
    case 'message': {
      if (!isStr(item.role) || !Array.isArray(item.content)) return 'message without role or content';
      // ContentItem: input_text / output_text {text}, input_image {image_url}; any other type fails the item.
      const bad = item.content.find((c: any) => !((c?.type === 'input_text' || c?.type === 'output_text') && isStr(c.text)) && !(c?.type === 'input_image' && isStr(c.image_url)));
      return bad ? `message content part ${JSON.stringify(bad?.type)}` : null;
    }
    case 'reasoning': {
      if (!Array.isArray(item.summary) || item.summary.some((s: any) => s?.type !== 'summary_text' || !isStr(s.text))) return 'reasoning summary';
      if (item.content != null && (!Array.isArray(item.content) || item.content.some((c: any) => !['reasoning_text', 'text'].includes(c?.type) || !isStr(c.text)))) return 'reasoning content';
      return item.encrypted_content == null || isStr(item.encrypted_content) ? null : 'reasoning encrypted_content';
    }
    case 'function_call':
      return isStr(item.name) && isStr(item.arguments) && isStr(item.call_id) ? null : 'function_call fields';
    case 'custom_tool_call':
      return isStr(item.name) && isStr(item.input) && isStr(item.call_id) && (item.status == null || isStr(item.status)) ? null : 'custom_tool_call fields';
    case 'compaction':
    case 'compaction_summary':
      return isStr(item.encrypted_content) ? null : 'compaction encrypted_content';
    default:
      return null;
  }
}

/** Fails unless Codex reads every finished item and the completed response of a stream's events; the items done. */
export function expectCodexReads(events: any[]): any[] {
  const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
  expect(done.map(codexItemProblem)).toEqual(done.map(() => null));
  const last = events.at(-1);
  expect(last.type).toBe('response.completed');
  expect(isStr(last.response.id)).toBe(true);
  const u = last.response.usage;
  expect(u).toBeTruthy();
  expect([u.input_tokens, u.output_tokens, u.total_tokens].every(isInt)).toBe(true);
  if (u.input_tokens_details != null) expect(isInt(u.input_tokens_details.cached_tokens)).toBe(true);
  if (u.output_tokens_details != null) expect(isInt(u.output_tokens_details.reasoning_tokens)).toBe(true);
  return done;
}

/**
 * An output item as Codex sends it back in the next turn's input (store: false): no `id`; a
 * message's parts as `{type, text}`; a reasoning item without content that holds `reasoning_text`
 * and with `encrypted_content` always present (null when none came); a function call without status.
 */
export function codexResent(item: any): any {
  const { id: _id, status, ...rest } = item;
  if (rest.type === 'message') rest.content = rest.content.map((c: any) => ({ type: c.type, text: c.text }));
  if (rest.type === 'reasoning') {
    if (rest.content?.some((c: any) => c.type === 'reasoning_text')) delete rest.content;
    rest.encrypted_content ??= null;
  }
  if (rest.type === 'custom_tool_call' && status) rest.status = status;
  return rest;
}

/** The SSE events of a streamed answer's text. */
export const sseEvents = (text: string): any[] => text.split('\n\n').filter((b) => b.includes('data: ')).map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)));
