import { concatBytes } from '../../http/concat-bytes';

/**
 * A native /v1/messages answer names the model the client asked for (a group, `anthropic/…`, a
 * Claude alias), not the id the gateway sent to Anthropic, as a translated answer does: Claude
 * Code sends a past turn's thinking back only when that turn's `model` is the model it asks for
 * now. Only the one `model` value changes; every other byte is Anthropic's. The value is found
 * by walking the JSON's bytes (structural characters are ASCII, so UTF-8 text is never decoded):
 * the top-level `model` of a JSON answer, `message.model` of the stream's message_start. An
 * answer without one gets it, first in its object.
 */

const enc = new TextEncoder();
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;
const DATA = enc.encode('data:');
const MODEL = enc.encode('model');
const MESSAGE = enc.encode('message');
const TYPE = enc.encode('type');
const MESSAGE_START = enc.encode('"message_start"');

/** The bytes of a JSON answer (from `at` up to `end`) with its top-level model set to `name`; null when they are not an object. */
function withModel(b: Uint8Array, at: number, end: number, name: string): Uint8Array | null {
  const m = member(b, at, end, MODEL);
  if (m === null) return null;
  const value = enc.encode(JSON.stringify(name));
  if ('start' in m) return concatBytes([b.subarray(0, m.start), value, b.subarray(m.end)]);
  const field = concatBytes([enc.encode('"model":'), value, m.empty ? new Uint8Array(0) : enc.encode(',')]);
  return concatBytes([b.subarray(0, m.insertAt), field, b.subarray(m.insertAt)]);
}

/** A whole JSON answer named `name` (unchanged when it is not an object). */
export function answerNamed(raw: Uint8Array, name: string): Uint8Array {
  return withModel(raw, 0, raw.byteLength, name) ?? raw;
}

/**
 * The stream's message_start renamed: the reads up to it are held until its event is whole (it
 * may arrive split across reads), rewritten once, and from then on (`done`) the caller passes
 * reads through untouched. A first event with data that is not message_start (Anthropic sends
 * it first; an error may come instead) ends the search, changing nothing.
 */
export class MessageStartNamer {
  done = false;
  /** The reads of the incomplete first event, joined (and scanned) only once one may end it. */
  private held: Uint8Array[] = [];
  constructor(private readonly name: string) {}

  /** What to send for this read (empty while message_start is incomplete). */
  take(chunk: Uint8Array): Uint8Array {
    if (chunk.byteLength === 0) return EMPTY;
    const last = this.held.at(-1);
    // A read that cannot end the event only lengthens it: joining and scanning all that is held
    // again for each read would make one long event (an upstream's endless line) cost quadratic time.
    if (last !== undefined && !mayEndEvent(last[last.byteLength - 1]!, chunk)) {
      this.held.push(chunk);
      return EMPTY;
    }
    const b = last !== undefined ? concatBytes([...this.held, chunk]) : chunk;
    this.held.length = 0;
    for (let at = 0; ; ) {
      const e = nextEvent(b, at);
      if (e === null) {
        // Complete events without data (comments) go on; the incomplete rest waits for its end.
        if (at < b.byteLength) this.held.push(b.subarray(at));
        return b.subarray(0, at);
      }
      if (e.data === null) {
        at = e.end;
        continue;
      }
      this.done = true;
      const [start, end] = e.data;
      const type = member(b, start, end, TYPE);
      const message = type && 'start' in type && same(b, type.start, type.end, MESSAGE_START) ? member(b, start, end, MESSAGE) : null;
      if (!message || !('start' in message)) return b;
      return withModel(b, message.start, message.end, this.name) ?? b;
    }
  }

  /** Bytes still held when the stream ended (an event it ended inside), as they came. */
  rest(): Uint8Array | null {
    const r = this.held.length > 0 ? concatBytes(this.held) : null;
    this.held.length = 0;
    return r;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Whether `chunk`, read after a byte `prev`, may hold the blank line that ends an event: a line
 * end right after another (LF LF, CR CR, or the LF CR inside CRLF CRLF), or a CR before it (a
 * CR at the end of a read waits for what follows).
 */
function mayEndEvent(prev: number, chunk: Uint8Array): boolean {
  if (prev === CR) return true;
  if (prev === LF && (chunk[0] === LF || chunk[0] === CR)) return true;
  const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return b.indexOf(LF_LF) !== -1 || b.indexOf(CR_CR) !== -1 || b.indexOf(LF_CR) !== -1;
}
const LF_LF = Buffer.from('\n\n');
const CR_CR = Buffer.from('\r\r');
const LF_CR = Buffer.from('\n\r');

/** The next whole SSE event from `at`: its end (past the blank line) and its first data line's value, or null when it is incomplete. */
function nextEvent(b: Uint8Array, at: number): { end: number; data: [number, number] | null } | null {
  let data: [number, number] | null = null;
  let line = at;
  for (let i = at; i < b.byteLength; i++) {
    const c = b[i]!;
    if (c !== LF && c !== CR) continue;
    let next = i + 1;
    if (c === CR) {
      if (next === b.byteLength) return null; // a LF may follow in the next read
      if (b[next] === LF) next++;
    }
    if (i === line) return { end: next, data };
    if (data === null && same(b, line, line + DATA.byteLength, DATA)) {
      const v = line + DATA.byteLength;
      data = [b[v] === 0x20 ? v + 1 : v, i];
    }
    line = next;
    i = next - 1;
  }
  return null;
}

type Member = { start: number; end: number } | { insertAt: number; empty: boolean };

/** Where the value of `key` is in the object from `at` (whitespace before it allowed) to `end`; absent: where a member may be inserted; null: not an object. */
function member(b: Uint8Array, at: number, end: number, key: Uint8Array): Member | null {
  let i = skipSpace(b, at, end);
  if (b[i] !== 0x7b) return null;
  const insertAt = i + 1;
  i = skipSpace(b, insertAt, end);
  if (b[i] === 0x7d) return { insertAt, empty: true };
  while (i < end) {
    if (b[i] !== QUOTE) return null;
    const keyEnd = skipValue(b, i, end);
    if (keyEnd < 0) return null;
    const match = same(b, i + 1, keyEnd - 1, key);
    i = skipSpace(b, keyEnd, end);
    if (b[i] !== 0x3a) return null;
    const start = skipSpace(b, i + 1, end);
    const valueEnd = skipValue(b, start, end);
    if (valueEnd < 0) return null;
    if (match) return { start, end: valueEnd };
    i = skipSpace(b, valueEnd, end);
    if (b[i] === 0x7d) return { insertAt, empty: false };
    if (b[i] !== 0x2c) return null;
    i = skipSpace(b, i + 1, end);
  }
  return null;
}

/** The index past the JSON value at `i`, or -1 when it does not end before `end`. */
function skipValue(b: Uint8Array, i: number, end: number): number {
  let depth = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      for (i++; i < end && b[i] !== QUOTE; i++) if (b[i] === BACKSLASH) i++;
      if (i >= end) return -1;
      if (depth === 0) return i + 1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return i; // the end of a number or literal's object
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (c === 0x2c || isSpace(c))) return i;
  }
  return depth === 0 ? end : -1;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === LF || c === CR;

function skipSpace(b: Uint8Array, i: number, end: number): number {
  while (i < end && isSpace(b[i]!)) i++;
  return i;
}

function same(b: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.byteLength || end > b.byteLength) return false;
  for (let k = 0; k < want.byteLength; k++) if (b[start + k] !== want[k]) return false;
  return true;
}
