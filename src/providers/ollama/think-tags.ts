/**
 * Reasoning an Ollama model wrote inline, as `<think>…</think>` at the start of its answer's
 * content: models pulled before Ollama's `think` support (0.9) and GGUFs whose template has no
 * thinking section (Ollama then cannot parse it out, and its OpenAI endpoint hands the text on as
 * content). Clients of the gateway get reasoning apart, as `reasoning_content` (which the
 * /v1/messages and /v1/responses bridges turn into thinking blocks and reasoning items), as they do
 * from a model Ollama parses itself (`reasoning`, ollama-adapter.ts). Only a tag at the start
 * (after blank space) is reasoning: `<think>` later in an answer is the answer's own text.
 */

const OPEN = '<think>';
const CLOSE = '</think>';

/** `content` as reasoning and answer when it opens with `<think>` (a tag never closed: all reasoning); null otherwise. */
export function splitThinkTag(content: string): { reasoning: string; content: string } | null {
  const text = content.trimStart();
  if (!text.startsWith(OPEN)) return null;
  const end = text.indexOf(CLOSE, OPEN.length);
  if (end < 0) return { reasoning: text.slice(OPEN.length).trim(), content: '' };
  return { reasoning: text.slice(OPEN.length, end).trim(), content: text.slice(end + CLOSE.length).trimStart() };
}

/** The length of the longest end of `text` that `CLOSE` starts with (a closing tag split across chunks). */
function partialClose(text: string): number {
  for (let n = Math.min(CLOSE.length - 1, text.length); n > 0; n--) if (CLOSE.startsWith(text.slice(text.length - n))) return n;
  return 0;
}

/** Where a stream is: before its first text, inside `<think>`, just after `</think>`, or past the tag (or without one). */
type Phase = 'start' | 'thinking' | 'after-tag' | 'done';

/**
 * One stream's `<think>` split, chunk by chunk (Ollama makes one choice a request). Text that may yet
 * be a tag split across chunks (`<thi`, `</th`), and blank space that may yet end the reasoning, is
 * held back and sent with the next chunk, or at the finish. Once the answer is past the tag, or
 * began without one, each chunk costs one comparison.
 */
export class ThinkTagSplitter {
  private phase: Phase = 'start';
  private held = '';
  /** Whether reasoning text went out (blank space after `<think>` is not sent). */
  private reasoned = false;

  /** Splits `chunk`'s first choice in place; true when it changed it. */
  split(chunk: any): boolean {
    if (this.phase === 'done') return false;
    const choice = chunk?.choices?.[0];
    const delta = choice?.delta;
    if (!delta) return false;
    // Ollama parsed the thinking itself, or the model called a tool first: there is no tag to find.
    if (this.phase === 'start' && (delta.reasoning_content || (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0))) {
      return this.finish(delta);
    }
    const text = typeof delta.content === 'string' ? delta.content : '';
    if (text === '' && this.held === '' && !choice.finish_reason) return false;
    let reasoning = '';
    let content = '';
    let pending = this.held + text;
    this.held = '';
    if (this.phase === 'start') {
      const start = pending.trimStart();
      if (start.startsWith(OPEN)) {
        this.phase = 'thinking';
        pending = start.slice(OPEN.length);
      } else if (OPEN.startsWith(start)) {
        this.held = pending;
        pending = '';
      } else {
        this.phase = 'done';
        content = pending;
        pending = '';
      }
    }
    if (this.phase === 'thinking' && pending !== '') {
      const end = pending.indexOf(CLOSE);
      if (end >= 0) {
        reasoning = pending.slice(0, end).trimEnd();
        pending = pending.slice(end + CLOSE.length);
        this.phase = 'after-tag';
      } else {
        const keep = partialClose(pending);
        reasoning = pending.slice(0, pending.length - keep);
        const trimmed = reasoning.trimEnd();
        this.held = reasoning.slice(trimmed.length) + pending.slice(pending.length - keep);
        reasoning = trimmed;
        pending = '';
      }
      if (!this.reasoned) reasoning = reasoning.trimStart();
      if (reasoning !== '') this.reasoned = true;
    }
    if (this.phase === 'after-tag' && pending !== '') {
      content = pending.trimStart();
      if (content !== '') this.phase = 'done';
    }
    // The finish: what was held goes out (a tag never closed leaves its reasoning; a lone `<thi` is text).
    if (choice.finish_reason && this.held !== '') {
      if (this.phase === 'thinking') reasoning += this.held.trimEnd();
      else if (this.phase === 'start') content += this.held;
      this.held = '';
    }
    if (choice.finish_reason) this.phase = 'done';
    delta.content = content;
    if (reasoning !== '') delta.reasoning_content = reasoning;
    return true;
  }

  /** Past the point a tag could open: what was held (blank space) goes out as content. */
  private finish(delta: any): boolean {
    this.phase = 'done';
    if (this.held === '') return false;
    delta.content = this.held + (typeof delta.content === 'string' ? delta.content : '');
    this.held = '';
    return true;
  }
}
