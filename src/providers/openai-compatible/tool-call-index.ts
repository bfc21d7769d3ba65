import { ChatToolCalls, type ChatToolCall } from '../shared/chat-tool-calls';

interface IndexedCall extends ChatToolCall {
  /** The call's place in its choice's turn (0, 1, …): the index OpenAI gives it. */
  index: number;
}

/**
 * OpenAI numbers a streamed turn's tool calls 0, 1, … and puts that `index` on every
 * `tool_calls` delta; its schema requires it, and clients assemble the calls by it. Some
 * OpenAI-compatible servers do not: Ollama has sent no index at all (before 0.4.7; the AI SDK
 * then fails validating the chunk) and sends `index: 0` for every call with several models
 * (ollama/ollama#15457, #15497; the OpenAI SDK's stream helpers then glue the calls' arguments
 * into one call). One of these per stream tells the calls apart as the bridges do (an id not
 * seen before is a new call, see ChatToolCalls) and sets each delta's index to its call's place,
 * in place. Returns whether a delta changed (a right stream comes out unchanged).
 */
export function toolCallIndexer(): (chunk: any) => boolean {
  const turns = new Map<number, ChatToolCalls<IndexedCall>>();
  const turnOf = (choice: number) => {
    let turn = turns.get(choice);
    if (!turn) {
      const calls: ChatToolCalls<IndexedCall> = new ChatToolCalls((id) => ({ id, name: '', args: '', index: calls.count }));
      turns.set(choice, (turn = calls));
    }
    return turn;
  };
  return (chunk) => {
    let changed = false;
    for (const choice of chunk.choices) {
      const deltas = choice?.delta?.tool_calls;
      if (!Array.isArray(deltas)) continue;
      const turn = turnOf(typeof choice.index === 'number' ? choice.index : 0);
      for (const tc of deltas) {
        if (!tc || typeof tc !== 'object') continue;
        const { call } = turn.of(tc);
        if (tc.index !== call.index) (tc.index = call.index), (changed = true);
      }
    }
    return changed;
  };
}
