import { ChatToolCalls, type ChatToolCall } from '../shared/chat-tool-calls';
import { blankArguments } from '../shared/tool-arguments';
import { callsComplete } from './blank-tool-arguments';
import { chunkHead } from './stream-finish';
import { fillToolCall } from './tool-call-shape';

interface IndexedCall extends ChatToolCall {
  /** The call's place in its choice's turn (0, 1, …): the index OpenAI gives it. */
  index: number;
  /** Whether a delta gave it argument text (anything but whitespace); a blank call gets "{}" at its finish. */
  filled: boolean;
}

/** One choice's calls, and those without argument text yet. */
interface Turn {
  calls: ChatToolCalls<IndexedCall>;
  blank: IndexedCall[];
}

/**
 * OpenAI numbers a streamed turn's tool calls 0, 1, … and puts that `index` on every
 * `tool_calls` delta; its schema requires it, and clients assemble the calls by it. Some
 * OpenAI-compatible servers do not: Ollama has sent no index at all (before 0.4.7; the AI SDK
 * then fails validating the chunk) and sends `index: 0` for every call with several models
 * (ollama/ollama#15457, #15497; the OpenAI SDK's stream helpers then glue the calls' arguments
 * into one call). One of these per stream tells the calls apart as the bridges do (an id not
 * seen before is a new call, see ChatToolCalls) and sets each delta's index to its call's place,
 * in place (`index` says whether a delta changed: a right stream comes out unchanged).
 *
 * It also notes the calls no delta gave argument text (`blank` counts them, so a stream without
 * such calls pays one number test a chunk): when their choice finishes, closeBlank gives each
 * OpenAI's `"{}"` (blank-tool-arguments.ts).
 */
export class ToolCallIndexer {
  private readonly turns = new Map<number, Turn>();
  /** Calls, over all choices, that have no argument text yet. */
  blank = 0;

  private turnOf(choice: number): Turn {
    let turn = this.turns.get(choice);
    if (!turn) {
      const calls: ChatToolCalls<IndexedCall> = new ChatToolCalls((id) => ({ id, name: '', args: '', index: calls.count, filled: false }));
      this.turns.set(choice, (turn = { calls, blank: [] }));
    }
    return turn;
  }

  /** Numbers the chunk's tool_calls deltas, in place; returns whether one changed. */
  index(chunk: any): boolean {
    let changed = false;
    for (const choice of chunk.choices) {
      const deltas = choice?.delta?.tool_calls;
      if (!Array.isArray(deltas)) continue;
      const turn = this.turnOf(typeof choice.index === 'number' ? choice.index : 0);
      for (const tc of deltas) {
        if (!tc || typeof tc !== 'object') continue;
        const { call, fresh } = turn.calls.of(tc);
        // The delta that starts a call gets the id and type a server left out; an object's arguments become text (tool-call-shape.ts).
        if (fillToolCall(tc, fresh)) changed = true;
        if (tc.index !== call.index) (tc.index = call.index), (changed = true);
        if (fresh) turn.blank.push(call), this.blank++;
        if (!call.filled && !blankArguments(tc.function?.arguments)) (call.filled = true), this.blank--;
      }
    }
    return changed;
  }

  /**
   * For each choice of `chunk` that finishes here (not cut by the token limit), its calls that never
   * got argument text get `"{}"`: on their own delta when this chunk carries one (in place), else in
   * a chunk to send just before it, returned (`changed`: this chunk was changed). With `firstOnly`
   * (parallel_tool_calls false: later calls are not sent) only a turn's first call counts.
   */
  closeBlank(chunk: any, firstOnly: boolean): { before: Record<string, unknown> | null; changed: boolean } {
    let before: { index: number; delta: { tool_calls: unknown[] }; logprobs: null; finish_reason: null }[] | null = null;
    let changed = false;
    for (const choice of chunk.choices) {
      if (!choice?.finish_reason) continue;
      const at = typeof choice.index === 'number' ? choice.index : 0;
      const turn = this.turns.get(at);
      if (!turn || turn.blank.length === 0) continue;
      const blank = turn.blank.filter((c) => !c.filled);
      this.blank -= blank.length;
      turn.blank = [];
      for (const c of blank) c.filled = true;
      if (!callsComplete(choice.finish_reason)) continue;
      const added: unknown[] = [];
      for (const call of blank) {
        if (firstOnly && call.index > 0) continue;
        const own = Array.isArray(choice.delta?.tool_calls) ? choice.delta.tool_calls.find((tc: any) => tc?.index === call.index) : undefined;
        if (!own) {
          added.push({ index: call.index, function: { arguments: '{}' } });
          continue;
        }
        // Whitespace it had stays in front: "{}" after it is still the JSON text of no arguments.
        const had = own.function?.arguments;
        own.function = { ...own.function, arguments: (typeof had === 'string' ? had : '') + '{}' };
        changed = true;
      }
      if (added.length > 0) (before ??= []).push({ index: at, delta: { tool_calls: added }, logprobs: null, finish_reason: null });
    }
    if (before === null) return { before: null, changed };
    const head = chunkHead(chunk);
    head.choices = before;
    return { before: head, changed };
  }
}
