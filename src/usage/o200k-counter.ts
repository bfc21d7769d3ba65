import { type O200kTables, o200kTables, rankOf } from './o200k-tables';

/**
 * o200k_base token counts from compact tables (o200k-tables.ts), equal to gpt-tokenizer's
 * countTokens (test/usage/o200k-counter.test.ts checks them against it): the text is split by the
 * encoding's pattern, a piece that is a token counts 1, any other is merged from its UTF-8 bytes,
 * the lowest-ranked adjacent pair first (tiktoken's byte-pair merge). Special tokens such as
 * '<|endoftext|>' are plain text here (gpt-tokenizer's countTokens threw on them).
 */

/** gpt-tokenizer's O200K_TOKEN_SPLIT_REGEX (esm/encodingParams/constants.js), as it is. */
const SPLIT = /[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

const NONE = 0x7fffffff;
/** The counts of short pieces seen in this text (a text repeats its words): at most SEEN_MAX, emptied after each text. */
const seen = new Map<string, number>();
const SEEN_MAX = 8192;
const SEEN_LENGTH = 16;
const SCRATCH = 1024;
let buf = new Uint8Array(SCRATCH);
let starts = new Int32Array(SCRATCH + 1);
let ranks = new Int32Array(SCRATCH + 1);

/** piece as UTF-8 into buf (a lone surrogate as U+FFFD, as TextEncoder does): its length, negated if it had one. */
function encode(piece: string): number {
  if (buf.length < piece.length * 3) buf = new Uint8Array(piece.length * 3);
  let n = 0;
  let lone = false;
  for (let i = 0; i < piece.length; i++) {
    let c = piece.charCodeAt(i);
    if (c < 0x80) {
      buf[n++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[n++] = 0xc0 | (c >> 6);
      buf[n++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < piece.length ? piece.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[n++] = 0xf0 | (c >> 18);
        buf[n++] = 0x80 | ((c >> 12) & 63);
        buf[n++] = 0x80 | ((c >> 6) & 63);
        buf[n++] = 0x80 | (c & 63);
        continue;
      }
      lone = true;
      c = 0xfffd;
    }
    buf[n++] = 0xe0 | (c >> 12);
    buf[n++] = 0x80 | ((c >> 6) & 63);
    buf[n++] = 0x80 | (c & 63);
  }
  return lone ? -n : n;
}

/** Whether buf[start..end) is well-formed UTF-8 (gpt-tokenizer's isValidUTF8). */
function validUtf8(start: number, end: number): boolean {
  for (let i = start; i < end; ) {
    const b = buf[i]!;
    let len: number;
    let cp: number;
    if (b < 0x80) len = 1, cp = b;
    else if ((b & 0xe0) === 0xc0 && b > 0xc1) len = 2, cp = b & 31;
    else if ((b & 0xf0) === 0xe0) len = 3, cp = b & 15;
    else if ((b & 0xf8) === 0xf0 && b <= 0xf4) len = 4, cp = b & 7;
    else return false;
    if (i + len > end) return false;
    for (let j = 1; j < len; j++) {
      const x = buf[i + j]!;
      if ((x & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (x & 63);
    }
    if ((len === 3 && cp < 0x800) || (len === 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += len;
  }
  return true;
}

const bom = (at: number) => buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf;

/**
 * The rank gpt-tokenizer's merge gives buf[start..end). It looks a well-formed slice up by its text
 * decoded with TextDecoder, which drops a leading byte-order mark (so EF BB BF + x ranks as x), in
 * a map that holds no token starting with one (those 9 are kept as bytes, found only when ill-formed).
 */
function pairRank(t: O200kTables, start: number, end: number): number {
  if (end - start >= 3 && bom(start) && validUtf8(start, end)) {
    start += 3;
    if (start === end || (end - start >= 3 && bom(start))) return NONE;
  }
  const r = rankOf(t, buf, start, end);
  return r < 0 ? NONE : r;
}

/** How many tokens the byte-pair merge makes of buf[0..n). */
function mergeCount(t: O200kTables, n: number): number {
  if (starts.length < n + 1) {
    starts = new Int32Array(n + 1);
    ranks = new Int32Array(n + 1);
  }
  // Part i is buf[starts[i]..starts[i + 1]); ranks[i] is the rank of parts i and i + 1 merged.
  let m = n + 1;
  for (let i = 0; i < m; i++) {
    starts[i] = i;
    ranks[i] = i < n - 1 ? pairRank(t, i, i + 2) : NONE;
  }
  while (m > 1) {
    let low = NONE;
    let at = -1;
    for (let i = 0; i < m - 1; i++) {
      if (ranks[i]! < low) {
        low = ranks[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    starts.copyWithin(at + 1, at + 2, m);
    ranks.copyWithin(at, at + 1, m);
    m--;
    ranks[at] = at + 2 < m ? pairRank(t, starts[at]!, starts[at + 2]!) : NONE;
    if (at > 0) ranks[at - 1] = pairRank(t, starts[at - 1]!, starts[at + 1]!);
  }
  return m - 1;
}

/** o200k_base tokens in text, special-token text counted as plain text. */
export function countO200kTokens(text: string): number {
  const t = o200kTables();
  let count = 0;
  SPLIT.lastIndex = 0;
  for (let m = SPLIT.exec(text); m; m = SPLIT.exec(text)) {
    const piece = m[0];
    const known = seen.get(piece);
    if (known !== undefined) {
      count += known;
      continue;
    }
    const n = encode(piece);
    // A piece found whole counts 1 (gpt-tokenizer looks it up as text: not one with a lone
    // surrogate, nor one starting with a byte-order mark).
    const c = n > 0 && !(n >= 3 && bom(0)) && rankOf(t, buf, 0, n) >= 0 ? 1 : mergeCount(t, Math.abs(n));
    count += c;
    if (piece.length <= SEEN_LENGTH) {
      if (seen.size >= SEEN_MAX) seen.clear();
      seen.set(piece, c);
    }
  }
  seen.clear();
  // A long whitespace run grew the scratch arrays: they are not kept at that size.
  if (buf.length > SCRATCH) buf = new Uint8Array(SCRATCH);
  if (starts.length > SCRATCH) starts = new Int32Array(SCRATCH + 1);
  if (ranks.length > SCRATCH) ranks = new Int32Array(SCRATCH + 1);
  return count;
}

/** The rank the merge gives these bytes, or -1 (tests compare it with gpt-tokenizer's lookup for every token). */
export function mergeRankOf(bytes: Uint8Array): number {
  if (buf.length < bytes.length) buf = new Uint8Array(bytes.length);
  buf.set(bytes);
  const r = pairRank(o200kTables(), 0, bytes.length);
  return r === NONE ? -1 : r;
}
