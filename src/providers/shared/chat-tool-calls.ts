import type { ChatCompletionChunk } from '../types';

/** One tool call of a streamed chat turn, as its deltas build it up. */
export interface ChatToolCall {
  id: string | undefined;
  name: string;
  args: string;
}

/** Arguments that already form a whole JSON object: that call cannot grow any more. */
export function wholeJson(args: string): boolean {
  const t = args.trimEnd();
  if (!t.endsWith('}')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tool calls of one streamed chat turn, each `tool_calls` delta matched to its call. Chat
 * names calls by `index`; some servers leave it out or reuse one index for every call, so an id
 * not seen before is a new call, and a delta without index or id continues the last call.
 * Used by the stream bridges of /v1/messages and the bridged /v1/responses, and by the
 * OpenAI-compatible stream to give each call OpenAI's own index (streamedToolCallIndex).
 */
export class ChatToolCalls<C extends ChatToolCall> {
  private readonly byIndex = new Map<number, C>();
  private readonly byId = new Map<string, C>();
  private last: C | null = null;
  /** Calls seen so far. */
  count = 0;

  /** `make` builds a new call (id as given, name and args empty). */
  constructor(private readonly make: (id: string | undefined) => C) {}

  /** The call `tc` belongs to and whether it is new; the call takes the first name a delta gives. */
  of(tc: ChatCompletionChunk.Choice.Delta.ToolCall): { call: C; fresh: boolean } {
    const id = typeof tc?.id === 'string' && tc.id ? tc.id : undefined;
    const index = typeof tc?.index === 'number' ? tc.index : undefined;
    let call = id !== undefined ? this.byId.get(id) : undefined;
    if (!call && index !== undefined) {
      const at = this.byIndex.get(index);
      if (at && (id === undefined || at.id === undefined)) call = at;
    }
    if (!call && index === undefined && id === undefined) call = this.last ?? undefined;
    let fresh = false;
    if (call) {
      if (call.id === undefined && id !== undefined) this.byId.set((call.id = id), call);
    } else {
      fresh = true;
      call = this.make(id);
      if (id !== undefined) this.byId.set(id, call);
      // Later deltas name it by its index; one without an index gets a key no index can take.
      this.byIndex.set(index ?? -1 - this.count, call);
      this.count++;
    }
    this.last = call;
    const name = tc?.function?.name ?? tc?.custom?.name;
    if (!call.name && typeof name === 'string' && name) call.name = name;
    return { call, fresh };
  }
}
