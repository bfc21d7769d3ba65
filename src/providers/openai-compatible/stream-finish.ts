import type { ChunkEnvelope } from '../types';

/** A chunk's fields before its `choices`, in OpenAI's order, from the envelope it repeats. */
export function chunkHead(e: ChunkEnvelope): Record<string, unknown> {
  const chunk: Record<string, unknown> = { id: e.id, object: 'chat.completion.chunk', created: e.created, model: e.model };
  if (e.system_fingerprint !== undefined) chunk.system_fingerprint = e.system_fingerprint;
  return chunk;
}

/** The longest chunk text kept as the last one sent (see chunk()). */
const MAX_KEPT = 64 * 1024;

/**
 * Whether each choice of a stream got its finish_reason. OpenAI ends every choice with one, and
 * the `openai` SDK's stream helpers refuse a stream without it (`finalChatCompletion()` throws
 * "missing finish_reason for choice 0"); some OpenAI-compatible servers end with `[DONE]` and never
 * say why. Such a stream was not cut (it said it was done), so the gateway adds the finish the
 * non-stream answer gets (fillCompletionShape): `tool_calls` after calls, else `stop`.
 */
export class StreamFinish {
  /** Choice 0 (nearly every stream's only one): came, made tool calls, finished. Kept in fields: no allocation per stream. */
  private seen0 = false;
  private calls0 = false;
  private finished0 = false;
  /** Other choices (n > 1), made when the first comes: index -> whether it made calls and finished. */
  private others: Map<number, { calls: boolean; finished: boolean }> | null = null;
  /** The last chunk sent with choices (its envelope names the closing chunk). */
  private lastData: string | null = null;

  /** Whether any chunk with choices went out. */
  get sent(): boolean {
    return this.lastData !== null;
  }

  /** A plain text delta of choice 0 went out (plain-delta.ts: never a finish, never calls). */
  plain(data: string): void {
    this.lastData = data;
    this.seen0 = true;
  }

  /** A parsed chunk went out. */
  chunk(chunk: any, data: string): void {
    if (chunk.choices.length === 0) return;
    // A long chunk (an image in base64) is not kept to the stream's end, nor parsed again there: its envelope alone is.
    this.lastData = data.length <= MAX_KEPT ? data : JSON.stringify({ id: chunk.id, created: chunk.created, model: chunk.model, system_fingerprint: chunk.system_fingerprint });
    for (const c of chunk.choices) {
      const index = typeof c?.index === 'number' ? c.index : 0;
      const calls = Array.isArray(c?.delta?.tool_calls) && c.delta.tool_calls.length > 0;
      const finished = !!c?.finish_reason;
      if (index === 0) {
        this.seen0 = true;
        if (calls) this.calls0 = true;
        if (finished) this.finished0 = true;
        continue;
      }
      this.others ??= new Map();
      let s = this.others.get(index);
      if (!s) this.others.set(index, (s = { calls: false, finished: false }));
      if (calls) s.calls = true;
      if (finished) s.finished = true;
    }
  }

  /** The chunk that finishes the choices left open, or null when every choice finished (or none came). */
  closing(): { chunk: Record<string, unknown>; reason: string } | null {
    if (this.lastData === null) return null;
    let open: { index: number; calls: boolean }[] | null = null;
    if (this.seen0 && !this.finished0) (open ??= []).push({ index: 0, calls: this.calls0 });
    if (this.others) for (const [index, s] of this.others) if (!s.finished) (open ??= []).push({ index, calls: s.calls });
    if (open === null) return null;
    open.sort((a, b) => a.index - b.index);
    const choices = open.map(({ index, calls }) => ({ index, delta: {}, logprobs: null, finish_reason: calls ? 'tool_calls' : 'stop' }));
    const chunk = chunkHead(this.envelope()!);
    chunk.choices = choices;
    return { chunk, reason: choices[0]!.finish_reason };
  }

  /** The id, created, model (and fingerprint) of the last chunk sent with choices; null when none was. */
  envelope(): ChunkEnvelope | null {
    if (this.lastData === null) return null;
    const last = JSON.parse(this.lastData);
    const out: ChunkEnvelope = { id: last.id, created: last.created, model: last.model };
    if (last.system_fingerprint !== undefined) out.system_fingerprint = last.system_fingerprint;
    return out;
  }
}
