import { concatBytes } from '../shared/concat-bytes';

const encoder = new TextEncoder();


/**
 * What one upstream network chunk sends on. Runs of events that go out exactly as they came are
 * byte slices of that chunk (no re-framing, no encoding); only changed or re-framed events are
 * written out and encoded. So a read holding a whole stream plus the upstream's `[DONE]` (dropped:
 * the gateway writes its own) costs one subarray, not an encode of every event.
 */
export class SseOutput {
  private pieces: Uint8Array[] = [];
  private framed = '';
  private source: Uint8Array | null = null;
  private from = -1;
  private to = -1;
  private events = 0;

  /** The chunk that verbatim() ranges point into. */
  startChunk(bytes: Uint8Array | null): void {
    this.source = bytes;
  }

  /** An unchanged event, bytes [from, to) of the current chunk, framing included. */
  verbatim(from: number, to: number): void {
    this.events++;
    if (this.framed) this.flushFramed();
    if (this.to === from) {
      this.to = to;
      return;
    }
    this.flushRun();
    this.from = from;
    this.to = to;
  }

  /** An event written out as `data: <data>`. */
  data(data: string): void {
    this.events++;
    this.flushRun();
    this.framed += `data: ${data}\n\n`;
  }

  /** Everything added since the last take, as one piece (null when nothing was). */
  take(): Uint8Array | null {
    this.flushRun();
    this.flushFramed();
    if (this.events === 0) return null;
    const out = this.pieces.length === 1 ? this.pieces[0]! : concatBytes(this.pieces);
    this.pieces = [];
    this.events = 0;
    return out;
  }

  private flushRun(): void {
    if (this.from < 0) return;
    this.pieces.push(this.source!.subarray(this.from, this.to));
    this.from = this.to = -1;
  }

  private flushFramed(): void {
    if (!this.framed) return;
    this.pieces.push(encoder.encode(this.framed));
    this.framed = '';
  }
}
