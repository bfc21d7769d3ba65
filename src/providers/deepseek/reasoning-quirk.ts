import type { UpstreamBody } from '../openai-compatible/openai-compatible-options';
import type { ReasoningStore } from './reasoning-memory';

// The memory is the app's (AppContext.reasoning, reaching adapters as AdapterDeps.reasoning);
// a caller without one (a unit test of another quirk) remembers and fills in nothing.

const callIds = (calls: unknown): string[] =>
  Array.isArray(calls) ? calls.map((c: any) => c?.id).filter((id): id is string => typeof id === 'string' && id !== '') : [];

/**
 * Non-stream response: an assistant message with tool calls and reasoning is remembered by its
 * call ids. Never changes the body (returns false, so its bytes go on verbatim).
 */
export function rememberResponseReasoning(body: any, memory: ReasoningStore | undefined): false {
  const choices = body?.choices;
  if (!memory || !Array.isArray(choices)) return false;
  for (const choice of choices) {
    const m = choice?.message;
    const ids = callIds(m?.tool_calls);
    if (ids.length && typeof m.reasoning_content === 'string' && m.reasoning_content) memory.remember(ids, m.reasoning_content);
  }
  return false;
}

/**
 * Per stream: gathers each choice's reasoning deltas and tool call ids; when the choice finishes
 * with both, remembers them. Never changes a chunk.
 */
export function reasoningStreamHook(memory: ReasoningStore | undefined): (chunk: any) => boolean {
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
      const newIds = callIds(delta?.tool_calls);
      if (newIds.length) ids.set(index, [...(ids.get(index) ?? []), ...newIds]);
      if (choice?.finish_reason) {
        const text = reasoning.get(index);
        const calls = ids.get(index);
        if (text && calls?.length) memory.remember(calls, text);
        reasoning.delete(index);
        ids.delete(index);
      }
    }
    return false;
  };
}

/**
 * Request: an assistant message with tool calls but no reasoning_content gets the reasoning
 * remembered for one of its call ids. A client's own reasoning_content is left as it was.
 */
export function fillReasoningContent(body: UpstreamBody, memory: ReasoningStore | undefined): void | Promise<void> {
  if (!memory || !Array.isArray(body.messages)) return;
  let copied = false;
  const fill = (i: number, m: any, reasoning: string | undefined) => {
    if (reasoning === undefined) return;
    if (!copied) body.messages = [...body.messages];
    copied = true;
    body.messages[i] = { ...m, reasoning_content: reasoning };
  };
  const misses: Promise<void>[] = [];
  body.messages.forEach((m: any, i: number) => {
    if (m?.role !== 'assistant' || m.reasoning_content != null || !Array.isArray(m.tool_calls)) return;
    let reasoning: string | undefined;
    const ids = callIds(m.tool_calls);
    for (const id of ids) if ((reasoning = memory.recall(id)) !== undefined) break;
    // Not seen here: another instance may have answered that turn (one round trip, shared store only).
    if (reasoning === undefined && memory.recallShared && ids.length) {
      misses.push(memory.recallShared(ids).then((r) => fill(i, m, r), () => {}));
    } else fill(i, m, reasoning);
  });
  if (misses.length) return Promise.all(misses).then(() => {});
}
