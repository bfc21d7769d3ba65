/**
 * Incremental Server-Sent Events parser: feed it decoded text in arbitrary pieces, it calls
 * `onEvent` once per complete event. Only `event:` and `data:` fields matter to the gateway.
 */
export interface SseEvent {
  event: string | null;
  data: string;
}

export class SseParser {
  private buffer = '';
  private event: string | null = null;
  private data: string[] = [];

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(text: string): void {
    this.buffer += text;
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      if (nl === -1) break;
      let line = this.buffer.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = nl + 1;
      this.line(line);
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
  }

  /** Flushes a final event that had no trailing blank line (some upstreams end that way). */
  end(): void {
    if (this.buffer.length) {
      const line = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
      this.buffer = '';
      this.line(line);
    }
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }

  private dispatch(): void {
    if (this.data.length === 0) {
      this.event = null;
      return;
    }
    const e = { event: this.event, data: this.data.join('\n') };
    this.event = null;
    this.data = [];
    this.onEvent(e);
  }
}

const encoder = new TextEncoder();
/** Encodes one `data:` event (and optional `event:` name) as SSE bytes. */
export function sseBytes(data: string, event?: string): Uint8Array {
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}
export const SSE_DONE = encoder.encode('data: [DONE]\n\n');
