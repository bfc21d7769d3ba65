/**
 * Incremental HTTP/1.1 response parser for the upstream client (src/http/upstream-client.ts): feed
 * it the bytes a socket delivers, in any pieces; it reports the head once, then the body's bytes
 * (each push's body bytes as one piece, de-chunked), then the end. Handles `content-length`,
 * `transfer-encoding: chunked` (extensions and trailers skipped) and bodies that run to the close
 * of the connection; skips 1xx heads. Malformed input throws (the connection is then dropped).
 */
import { concatBytes } from './concat-bytes';

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Header pairs in the order received, names lower-cased. */
  headers: [string, string][];
}

export interface ResponseSink {
  head(h: ResponseHead): void;
  body(bytes: Uint8Array): void;
  end(): void;
}

/** A head larger than this is refused (Bun's own server and fetch allow about as much). */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_SIZE_LINE = 1024;

const enum Mode {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  UntilClose,
  Done,
}

const latin1 = new TextDecoder('latin1');
const CR = 13;
const LF = 10;

export class Http1ResponseParser {
  private mode = Mode.Head;
  /** Head bytes (or a chunk-size/trailer line) begun in an earlier push. */
  private carry: Uint8Array | null = null;
  private remaining = 0;
  /** Whether the connection can carry another request once this response ends. */
  keepAlive = true;

  /** `noBody`: the request was HEAD (the head's length fields describe a body that is not sent). */
  constructor(
    private readonly sink: ResponseSink,
    private readonly noBody = false,
  ) {}

  get done(): boolean {
    return this.mode === Mode.Done;
  }

  /** Whether the head has been reported (so a failure now is a failure of the body). */
  get headSeen(): boolean {
    return this.mode !== Mode.Head;
  }

  push(input: Uint8Array): void {
    let buf = input;
    if (this.carry) {
      const joined = new Uint8Array(this.carry.length + input.length);
      joined.set(this.carry);
      joined.set(input, this.carry.length);
      buf = joined;
      this.carry = null;
    }
    let i = 0;
    let pieces: Uint8Array[] | null = null;
    const out = (p: Uint8Array) => {
      if (p.length) (pieces ??= []).push(p);
    };
    try {
      while (i < buf.length && this.mode !== Mode.Done) {
        switch (this.mode) {
          case Mode.Head: {
            const end = headEnd(buf, i);
            if (end === -1) {
              if (buf.length - i > MAX_HEAD_BYTES) throw new Error('upstream response head too large');
              this.carry = buf.subarray(i);
              return;
            }
            this.head(latin1.decode(buf.subarray(i, end)));
            i = end;
            break;
          }
          case Mode.UntilClose:
            out(buf.subarray(i));
            i = buf.length;
            break;
          case Mode.ChunkSize:
          case Mode.Trailer:
          case Mode.ChunkDataEnd: {
            const nl = buf.indexOf(LF, i);
            if (nl === -1) {
              if (buf.length - i > MAX_CHUNK_SIZE_LINE) throw new Error('malformed chunked encoding');
              this.carry = buf.subarray(i);
              i = buf.length;
              break;
            }
            const lineEnd = nl > i && buf[nl - 1] === CR ? nl - 1 : nl;
            const line = latin1.decode(buf.subarray(i, lineEnd));
            i = nl + 1;
            if (this.mode === Mode.ChunkDataEnd) {
              if (line !== '') throw new Error('malformed chunked encoding');
              this.mode = Mode.ChunkSize;
            } else if (this.mode === Mode.Trailer) {
              if (line === '') this.mode = Mode.Done;
            } else {
              const hex = line.split(';', 1)[0]!.trim();
              if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new Error('malformed chunked encoding');
              this.remaining = parseInt(hex, 16);
              this.mode = this.remaining === 0 ? Mode.Trailer : Mode.ChunkData;
            }
            break;
          }
          case Mode.Length:
          case Mode.ChunkData: {
            const n = Math.min(this.remaining, buf.length - i);
            out(buf.subarray(i, i + n));
            i += n;
            this.remaining -= n;
            if (this.remaining === 0) this.mode = this.mode === Mode.Length ? Mode.Done : Mode.ChunkDataEnd;
            break;
          }
        }
      }
      if (this.mode === Mode.Done && i < buf.length) this.keepAlive = false; // bytes past the response: do not reuse
    } finally {
      const p = pieces as Uint8Array[] | null;
      if (p) this.sink.body(p.length === 1 ? p[0]! : concatBytes(p));
    }
    if (this.mode === Mode.Done) this.sink.end();
  }

  /** The connection closed: a body that runs to the close ends here; anything else was cut. */
  closed(): void {
    if (this.mode === Mode.Done) return;
    if (this.mode === Mode.UntilClose) {
      this.mode = Mode.Done;
      this.sink.end();
      return;
    }
    throw new Error(this.mode === Mode.Head ? 'upstream closed the connection before answering' : 'upstream closed the connection mid-body');
  }

  /** Parses one head (a 1xx one is skipped: the real head follows) and sets how the body is read. */
  private head(text: string): void {
    const lines = text.split(/\r?\n/);
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
    if (!m) throw new Error('malformed upstream status line');
    const status = Number(m[2]);
    const headers: [string, string][] = [];
    let length: number | null = null;
    let chunked = false;
    let close = m[1] === '0';
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k]!;
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error('malformed upstream header line');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.push([name, value]);
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== null && length !== Number(value))) throw new Error('malformed upstream content-length');
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').pop()!.trim() === 'chunked';
      } else if (name === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('close')) close = true;
        else if (v.includes('keep-alive')) close = false; // an HTTP/1.0 server that keeps it open
      }
    }
    if (status >= 100 && status < 200) return;
    this.keepAlive = !close;
    this.sink.head({ status, statusText: m[3] ?? '', headers });
    if (this.noBody || status === 204 || status === 304) this.mode = Mode.Done;
    else if (chunked) this.mode = Mode.ChunkSize;
    else if (length !== null) this.mode = length === 0 ? Mode.Done : ((this.remaining = length), Mode.Length);
    else {
      this.mode = Mode.UntilClose;
      this.keepAlive = false;
    }
  }
}

/** Index just past the first CRLFCRLF at or after `from`, or -1. */
function headEnd(buf: Uint8Array, from: number): number {
  for (let i = buf.indexOf(LF, from); i !== -1; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
    if (buf[i + 1] === LF) return i + 2; // bare LFs, tolerated as Bun's and Node's parsers do
  }
  return -1;
}
