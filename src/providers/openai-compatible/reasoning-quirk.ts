import type { UpstreamBody } from '../types';
import type { ReasoningStore } from './reasoning-memory';

// Thinking models of DeepSeek and Moonshot (Kimi) reject the next request of a tool loop unless the
// assistant turn that made the calls carries its reasoning_content back, which OpenAI-SDK clients
// that rebuild messages from typed fields drop. The memory is the app's (AppContext.reasoning,
// reaching adapters as AdapterDeps.reasoning); a caller without one (a unit test of another quirk)
// remembers and fills in nothing.

/**
 * The request's own thinking switch, as DeepSeek and Kimi both read it: `thinking: {type: "enabled"}`
 * true, `{type: "disabled"}` false, anything else undefined (the model's default decides).
 */
export function thinkingSwitch(body: UpstreamBody): boolean | undefined {
  const asked = (body.thinking as { type?: unknown } | undefined)?.type;
  return asked === 'enabled' ? true : asked === 'disabled' ? false : undefined;
}

/** The memory key of one tool call (or of its first stream delta), or undefined for none. */
export type CallKey = (call: any) => string | undefined;

/** DeepSeek's call ids are unique (`call_0_<uuid>`), so the id alone is the key. */
export const byCallId: CallKey = (call) => (typeof call?.id === 'string' && call.id !== '' ? call.id : undefined);

const callKeys = (calls: unknown, keyOf: CallKey): string[] =>
  Array.isArray(calls) ? calls.map(keyOf).filter((k): k is string => k !== undefined) : [];

/**
 * DeepSeek's V4 thinking mode wants back the reasoning of every assistant turn between two user
 * turns that made a tool call, the answer that came after the tool results too ("Between two user
 * messages, if the model performed a tool call, the intermediate assistant's reasoning_content must
 * ... be passed back to the API in all subsequent user interaction turns", its thinking-mode guide).
 * That answer has no call id of its own: it is remembered under the tool result it follows.
 */
const afterKey = (toolCallId: string | undefined, keyOf: CallKey): string | undefined =>
  toolCallId === undefined ? undefined : keyOf({ id: `after:${toolCallId}` });

/** The `tool_call_id` of the tool result that ends `messages`, if it ends with one (ChatCallContext.followsToolCall). */
export function lastToolResultId(messages: unknown): string | undefined {
  const last: any = Array.isArray(messages) ? messages[messages.length - 1] : undefined;
  return last?.role === 'tool' && typeof last.tool_call_id === 'string' && last.tool_call_id !== '' ? last.tool_call_id : undefined;
}

/** The memory keys of an answer: its call ids, and the tool result it follows (`follows`). */
function answerKeys(calls: unknown, keyOf: CallKey, follows: string | undefined): string[] {
  const keys = callKeys(calls, keyOf);
  const after = afterKey(follows, keyOf);
  return after === undefined ? keys : [...keys, after];
}

/**
 * Non-stream response: an assistant message with reasoning is remembered by its call ids and, when
 * the request ended with a tool result (`follows`, its tool_call_id), under that result.
 * Never changes the body (returns false, so its bytes go on verbatim).
 */
export function rememberResponseReasoning(body: any, memory: ReasoningStore | undefined, keyOf: CallKey = byCallId, follows?: string): false {
  const choices = body?.choices;
  if (!memory || !Array.isArray(choices)) return false;
  for (const choice of choices) {
    const m = choice?.message;
    const ids = answerKeys(m?.tool_calls, keyOf, follows);
    if (ids.length && typeof m.reasoning_content === 'string' && m.reasoning_content) memory.remember(ids, m.reasoning_content);
  }
  return false;
}

/**
 * Per stream: gathers each choice's reasoning deltas and tool call ids; when the choice finishes
 * with reasoning, remembers it under them (and the tool result it follows, as rememberResponseReasoning).
 * Never changes a chunk.
 */
export function reasoningStreamHook(memory: ReasoningStore | undefined, keyOf: CallKey = byCallId, follows?: string): (chunk: any) => boolean {
  if (!memory) return () => false;
  const reasoning = new Map<number, string>();
  const ids = new Map<number, string[]>();
  return (chunk) => {
    const choices = chunk?.choices;
    if (!Array.isArray(choices)) return false;
    for (const choice of choices) {
      const index = typeof choice?.index === 'number' ? choice.index : 0;
      const delta = choice?.delta;
      if (typeof delta?.reasoning_content === 'string' && delta.reasoning_content) {
        reasoning.set(index, (reasoning.get(index) ?? '') + delta.reasoning_content);
      }
      const newIds = callKeys(delta?.tool_calls, keyOf);
      if (newIds.length) ids.set(index, [...(ids.get(index) ?? []), ...newIds]);
      if (choice?.finish_reason) {
        const text = reasoning.get(index);
        const after = afterKey(follows, keyOf);
        const calls = [...(ids.get(index) ?? []), ...(after === undefined ? [] : [after])];
        if (text && calls.length) memory.remember(calls, text);
        reasoning.delete(index);
        ids.delete(index);
      }
    }
    return false;
  };
}

/**
 * Request: an assistant message without reasoning_content gets the reasoning remembered for one of
 * its call ids, or, without calls, for the tool result right before it. A client's own
 * reasoning_content is left as it was.
 *
 * `thinking` (the model answers this request in thinking mode): such a message the gateway holds
 * nothing for gets an empty reasoning_content, which DeepSeek and Kimi take (the field is what
 * they check: "The `reasoning_content` in the thinking mode must be passed back to the API.",
 * "reasoning_content is missing in assistant tool call message at index N"). Its turn was made by
 * another model (a group's earlier target, a client that switched models mid-conversation), by
 * another client key (Kimi), or longer ago than the memory holds: without it the conversation could
 * not go on at all.
 */
export function fillReasoningContent(body: UpstreamBody, memory: ReasoningStore | undefined, keyOf: CallKey = byCallId, thinking = false): void | Promise<void> {
  if ((!memory && !thinking) || !Array.isArray(body.messages)) return;
  let copied = false;
  const ifNone = thinking ? '' : undefined;
  const fill = (i: number, m: any, reasoning: string | undefined) => {
    if (reasoning === undefined) return;
    if (!copied) body.messages = [...body.messages];
    copied = true;
    body.messages[i] = { ...m, reasoning_content: reasoning };
  };
  const misses: Promise<void>[] = [];
  body.messages.forEach((m: any, i: number) => {
    if (m?.role !== 'assistant' || m.reasoning_content != null) return;
    const before = body.messages[i - 1];
    const madeCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
    const followed = before?.role === 'tool' && typeof before.tool_call_id === 'string' ? before.tool_call_id : undefined;
    if (!madeCalls && followed === undefined) return;
    const ids = madeCalls ? callKeys(m.tool_calls, keyOf) : answerKeys(undefined, keyOf, followed);
    let reasoning: string | undefined;
    if (memory) for (const id of ids) if ((reasoning = memory.recall(id)) !== undefined) break;
    // Not seen here: another instance may have answered that turn (one round trip, shared store only).
    if (reasoning === undefined && memory?.recallShared && ids.length) {
      misses.push(memory.recallShared(ids).then((r) => fill(i, m, r ?? ifNone), () => fill(i, m, ifNone)));
    } else fill(i, m, reasoning ?? ifNone);
  });
  if (misses.length) return Promise.all(misses).then(() => {});
}
