/**
 * Whether each choice of a stream got its finish_reason. OpenAI ends every choice with one, and
 * the `openai` SDK's stream helpers refuse a stream without it (`finalChatCompletion()` throws
 * "missing finish_reason for choice 0"); some OpenAI-compatible servers end with `[DONE]` and never
 * say why. Such a stream was not cut (it said it was done), so the gateway adds the finish the
 * non-stream answer gets (fillCompletionShape): `tool_calls` after calls, else `stop`.
 */
export class StreamFinish {
  /** Choice index -> whether it made tool calls and whether it finished. */
  private readonly choices = new Map<number, { calls: boolean; finished: boolean }>();
  /** The last chunk sent with choices (its envelope names the closing chunk). */
  private lastData: string | null = null;

  /** A plain text delta of choice 0 went out (plain-delta.ts: never a finish, never calls). */
  plain(data: string): void {
    this.lastData = data;
    if (!this.choices.has(0)) this.choices.set(0, { calls: false, finished: false });
  }

  /** A parsed chunk went out. */
  chunk(chunk: any, data: string): void {
    if (chunk.choices.length === 0) return;
    this.lastData = data;
    for (const c of chunk.choices) {
      const index = typeof c?.index === 'number' ? c.index : 0;
      let s = this.choices.get(index);
      if (!s) this.choices.set(index, (s = { calls: false, finished: false }));
      if (Array.isArray(c?.delta?.tool_calls) && c.delta.tool_calls.length > 0) s.calls = true;
      if (c?.finish_reason) s.finished = true;
    }
  }

  /** The chunk that finishes the choices left open, or null when every choice finished (or none came). */
  closing(): { chunk: Record<string, unknown>; reason: string } | null {
    const open = [...this.choices].filter(([, s]) => !s.finished);
    if (open.length === 0 || this.lastData === null) return null;
    const last = JSON.parse(this.lastData);
    const choices = open.map(([index, s]) => ({ index, delta: {}, logprobs: null, finish_reason: s.calls ? 'tool_calls' : 'stop' }));
    const chunk: Record<string, unknown> = { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model };
    if (last.system_fingerprint !== undefined) chunk.system_fingerprint = last.system_fingerprint;
    chunk.choices = choices;
    return { chunk, reason: choices[0]!.finish_reason };
  }
}
