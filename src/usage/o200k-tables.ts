import { readFileSync } from 'node:fs';
// The o200k_base vocabulary ("base64bytes rank" lines, 3.6 MB), embedded into the binary as a file.
import vocabularyPath from 'gpt-tokenizer/data/o200k_base.tiktoken' with { type: 'file' };

/**
 * The o200k_base vocabulary in three typed arrays (~4 MiB in all): every token's bytes end to end,
 * where each rank's bytes start, and an open-addressing hash table from bytes to rank + 1 (0: an
 * empty slot). gpt-tokenizer's own tables (200k strings, Maps and a merge cache) took ~50-80 MiB.
 */
export interface O200kTables {
  bytes: Uint8Array;
  /** Rank r's bytes are bytes[offsets[r]..offsets[r + 1]). */
  offsets: Uint32Array;
  slots: Int32Array;
}

/** FNV-1a over buf[start..end). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** The rank of the token whose bytes are buf[start..end), or -1. */
export function rankOf(t: O200kTables, buf: Uint8Array, start: number, end: number): number {
  const { bytes, offsets, slots } = t;
  const mask = slots.length - 1;
  const len = end - start;
  for (let i = hashBytes(buf, start, end) & mask; ; i = (i + 1) & mask) {
    const v = slots[i]!;
    if (v === 0) return -1;
    const r = v - 1;
    const from = offsets[r]!;
    if (offsets[r + 1]! - from !== len) continue;
    let j = 0;
    while (j < len && bytes[from + j] === buf[start + j]) j++;
    if (j === len) return r;
  }
}

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const PAD = 0x3d;

/** Builds the tables from a .tiktoken file's bytes; its lines must come in rank order 0, 1, 2, ... */
export function parseTiktoken(file: Uint8Array): O200kTables {
  // First pass: how many tokens and bytes.
  let count = 0;
  let total = 0;
  for (let i = 0; i < file.length; ) {
    let end = file.indexOf(SPACE, i);
    if (end < 0) break;
    let chars = end - i;
    while (chars > 0 && file[i + chars - 1] === PAD) chars--;
    total += (chars * 3) >> 2;
    count++;
    end = file.indexOf(NEWLINE, end);
    i = end < 0 ? file.length : end + 1;
  }
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(count + 1);
  let size = 1;
  while (size < count * 2) size <<= 1;
  const slots = new Int32Array(size);
  const t = { bytes, offsets, slots };
  let at = 0;
  let r = 0;
  for (let i = 0; r < count; r++) {
    offsets[r] = at;
    let bits = 0;
    let nbits = 0;
    for (; file[i] !== SPACE; i++) {
      const v = B64[file[i]!]!;
      if (v < 0) continue; // '=' padding
      bits = ((bits << 6) | v) & 0xffffff;
      nbits += 6;
      if (nbits >= 8) {
        nbits -= 8;
        bytes[at++] = (bits >> nbits) & 0xff;
      }
    }
    let rank = 0;
    for (i++; i < file.length && file[i] !== NEWLINE; i++) rank = rank * 10 + file[i]! - 48;
    i++;
    if (rank !== r) throw new Error(`o200k vocabulary: line ${r + 1} has rank ${rank}`);
    offsets[r + 1] = at;
    let s = hashBytes(bytes, offsets[r]!, at) & (size - 1);
    while (slots[s] !== 0) s = (s + 1) & (size - 1);
    slots[s] = r + 1;
  }
  return t;
}

let tables: O200kTables | undefined;

/**
 * The tables, read from the embedded vocabulary on first use (~60 ms). A full collection then frees
 * the file's 3.6 MB copy at once: the worker is idle after its first counts, and nothing else
 * would collect it (a few ms, once per worker).
 */
export function o200kTables(): O200kTables {
  if (tables) return tables;
  tables = parseTiktoken(readFileSync(vocabularyPath));
  Bun.gc(true);
  return tables;
}
