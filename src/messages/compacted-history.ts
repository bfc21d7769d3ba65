import type { AnthropicMessageParam } from './anthropic-types';
import type { TurnPart } from './anthropic-blocks-to-chat';

/** A message of the conversation as the translation reads it, with the client's path for errors. */
export interface HistoryMessage {
  role: AnthropicMessageParam['role'];
  part: TurnPart;
}

/**
 * The conversation as Anthropic reads it after server-side compaction (`context_management` with a
 * `compact_*` edit): the answer that compacted carries a `compaction` block, its `content` the
 * summary, and clients send it back in that assistant turn. Anthropic drops every block before the
 * (last) compaction block and goes on from the summary. Another provider is given the same: the
 * summary as a user turn (a chat conversation opens with one; a `content` of null, a failed
 * compaction, gives none), then the rest of that assistant turn and the messages after it. Before,
 * the block was refused as unknown: a compacted session could not go on on another model, and a
 * group lost its translated fallback for it. Pure; paths stay the client's (`messages.7.content.2`).
 */
export function compactedHistory(messages: readonly AnthropicMessageParam[]): HistoryMessage[] {
  const all = messages.map((m, i): HistoryMessage => ({ role: m.role, part: { content: m.content, path: `messages.${i}` } }));
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
    const j = m.content.findLastIndex((b) => b?.type === 'compaction');
    if (j < 0) continue;
    const summary = m.content[j]!.content;
    const path = `messages.${i}`;
    const out: HistoryMessage[] = [];
    if (typeof summary === 'string' && summary) out.push({ role: 'user', part: { content: summary, path: `${path}.content.${j}` } });
    if (j + 1 < m.content.length) out.push({ role: 'assistant', part: { content: m.content, path, from: j + 1 } });
    return [...out, ...all.slice(i + 1)];
  }
  return all;
}
