/**
 * Incremental Server-Sent Events parser, the gateway's only one: feed it decoded text in
 * arbitrary pieces, it calls `onEvent` once per complete event. Lines may end in LF, CRLF or CR
 * (a CRLF split across two pieces counts once); `:` comments are skipped; the `data:` lines of
 * one event are joined with `\n`. Only `event:` and `data:` fields matter to the gateway.
 */
export interface SseEvent {
  event: string | null;
  data: string;
}

const CR_LINE_END = /\r\n?/g;

export class SseParser {
  /** Text after the last complete line. */
  private buffer = '';
  private event: string | null = null;
  /** The event's data lines so far, joined; null before its first `data:` line. */
  private data: string | null = null;
  /** The last piece ended in CR: an LF opening the next one belongs to it. */
  private pendingCr = false;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(text: string): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      text = '\r' + text;
    }
    if (text.includes('\r')) {
      if (text.endsWith('\r')) {
        this.pendingCr = true;
        text = text.slice(0, -1);
      }
      text = text.replace(CR_LINE_END, '\n');
    }
    const buf = this.buffer.length ? this.buffer + text : text;
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      this.line(buf, start, nl);
      start = nl + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
  }

  /** Flushes a final event that had no trailing blank line (some upstreams end that way). */
  end(): void {
    if (this.pendingCr) this.push('\n');
    if (this.buffer.length) {
      const line = this.buffer;
      this.buffer = '';
      this.line(line, 0, line.length);
    }
    this.dispatch();
  }

  /** The line text[start, end). */
  private line(text: string, start: number, end: number): void {
    if (start === end) return this.dispatch();
    if (text.charCodeAt(start) === 58 /* ':' comment */) return;
    let colon = text.indexOf(':', start);
    if (colon === -1 || colon > end) colon = end;
    let from = colon + 1;
    if (text.charCodeAt(from) === 32 && from < end) from++;
    const value = from < end ? text.slice(from, end) : '';
    if (colon - start === 4 && text.startsWith('data', start)) this.data = this.data === null ? value : `${this.data}\n${value}`;
    else if (colon - start === 5 && text.startsWith('event', start)) this.event = value;
  }

  private dispatch(): void {
    const data = this.data;
    const event = this.event;
    this.event = null;
    this.data = null;
    if (data !== null) this.onEvent({ event, data });
  }
}

const encoder = new TextEncoder();
/** Encodes one `data:` event (and optional `event:` name) as SSE bytes. */
export function sseBytes(data: string, event?: string): Uint8Array {
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}
export const SSE_DONE = encoder.encode('data: [DONE]\n\n');
