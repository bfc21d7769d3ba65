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

/**
 * The longest event held (its unfinished line and data lines), in characters: 64 Mi, half the cap
 * on a whole answer (MAX_UPSTREAM_BODY_BYTES). The largest single events providers send are a few
 * MB (Responses' `response.completed` carrying image_generation results in base64, Gemini's inline
 * image parts), so the margin stays wide; but an event is held whole and then parsed, translated
 * and encoded again, so one costs the gateway ~5x its size until the collector runs
 * (BENCHMARKS.md, "One giant SSE event"), and an endless one is cut twice as early.
 */
export const MAX_EVENT_CHARS = 64 * 1024 * 1024;

/**
 * What SseParser throws for an event longer than its cap. The proxy answers it as the upstream's
 * failure (upstream-errors.ts: `upstream_error`, retryable like a broken stream), not as a
 * connection that broke.
 */
export class EventTooLong extends Error {
  constructor(readonly maxChars: number) {
    super(`an SSE event longer than ${maxChars} characters; the stream was ended`);
  }
}

export class SseParser {
  /** Text after the last complete line. */
  private buffer = '';
  private event: string | null = null;
  /** The event's data lines so far, joined; null before its first `data:` line. */
  private data: string | null = null;
  /** The last piece ended in CR: an LF opening the next one belongs to it. */
  private pendingCr = false;
  /**
   * Lines so far that were not one `data: <value>` line of an event followed by its blank line
   * (comments, other fields, `data:` without its space, a second data line, CR line ends, stray
   * blank lines). While it does not move, the text pushed is exactly `data: <data>\n\n` per event.
   */
  irregular = 0;

  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    /** The longest event held; tests set a small one. */
    private readonly maxEventChars = MAX_EVENT_CHARS,
  ) {}

  push(text: string): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      text = '\r' + text;
    }
    if (text.includes('\r')) {
      this.irregular++;
      if (text.endsWith('\r')) {
        this.pendingCr = true;
        text = text.slice(0, -1);
      }
      text = text.replace(CR_LINE_END, '\n');
    }
    // A piece without a line end only lengthens the held line: scanning the held text again for
    // each piece would make one long line cost quadratic time.
    if (this.buffer.length && !text.includes('\n')) {
      this.buffer += text;
      return this.checkSize();
    }
    const buf = this.buffer.length ? this.buffer + text : text;
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      this.line(buf, start, nl);
      start = nl + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
    this.checkSize();
  }

  /**
   * Throws once the event being read outgrows maxEventChars: a line that never ends (or data
   * lines without the blank line) would otherwise be held until the idle timeout, as fast as the
   * upstream sends. What was held is let go; the stream fails.
   */
  private checkSize(): void {
    if (this.buffer.length + (this.data?.length ?? 0) <= this.maxEventChars) return;
    this.buffer = '';
    this.data = null;
    this.event = null;
    throw new EventTooLong(this.maxEventChars);
  }

  /** Nothing held between pieces: no partial line, no event begun. */
  idle(): boolean {
    return this.buffer.length === 0 && this.data === null && this.event === null && !this.pendingCr;
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
    if (start === end) {
      if (this.data === null) this.irregular++;
      return this.dispatch();
    }
    if (text.charCodeAt(start) === 58 /* ':' comment */) return void this.irregular++;
    let colon = text.indexOf(':', start);
    if (colon === -1 || colon > end) colon = end;
    let from = colon + 1;
    const spaced = text.charCodeAt(from) === 32 && from < end;
    if (spaced) from++;
    const value = from < end ? text.slice(from, end) : '';
    if (colon - start === 4 && text.startsWith('data', start)) {
      if (!spaced || this.data !== null || this.event !== null) this.irregular++;
      this.data = this.data === null ? value : `${this.data}\n${value}`;
    } else {
      this.irregular++;
      if (colon - start === 5 && text.startsWith('event', start)) this.event = value;
    }
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
