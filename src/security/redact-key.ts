/**
 * Removes a known secret from text in the forms an upstream may echo it back in: as it is, in
 * another letter case, with spaces (or other whitespace) between its characters, in part (any
 * stretch of 19 or more of its characters, such as the key without its `sk-proj-` prefix), and
 * base64 (standard or URL-safe, at any byte alignment inside a longer encoded string).
 */

const REDACTED = '[redacted]';
const B64_CHAR = /[A-Za-z0-9+/=_-]/;
const cache = new Map<string, Redaction>();

/** A secret's patterns: the spaced-out form as a regex, the base64 stretches as literal cores. */
interface Redaction {
  spaced: RegExp;
  cores: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The stretches of base64 that every encoding of `secret` contains, whatever precedes it. */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64').replace(/=+$/, '');
    // Characters that also depend on neighbouring bytes are dropped at both ends: the first
    // group when padding bytes share it, the last partial group (r bytes -> r+1 characters).
    const start = pad === 0 ? 0 : 4;
    const tail = (pad + bytes.length) % 3;
    const core = b64.slice(start, b64.length - (tail ? tail + 1 : 0));
    if (core.length >= 8) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(cores)];
}

function patternsFor(secret: string): Redaction {
  let p = cache.get(secret);
  if (p) return p;
  const chars = [...secret].map(escape);
  // verbatim, any case, with whitespace between the characters
  p = { spaced: new RegExp(chars.join('\\s*'), 'gi'), cores: base64Cores(secret) };
  if (cache.size > 100) cache.clear();
  cache.set(secret, p);
  return p;
}

/**
 * `text` with every run of base64 characters that holds `core` replaced whole. Found with indexOf
 * and widened to the run, not with the regex `[b64]*core[b64]*`: from every start in a long run
 * without the core that backtracked over the rest of the run, so 100 KB of base64 in a failed
 * stream's event (a client's image in its instructions, echoed by response.failed) held the event
 * loop 28 s, and 1 MB most of an hour.
 */
function redactRuns(text: string, core: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(core); at >= 0; at = text.indexOf(core, from)) {
    let start = at;
    while (start > from && B64_CHAR.test(text[start - 1]!)) start--;
    let end = at + core.length;
    while (end < text.length && B64_CHAR.test(text[end]!)) end++;
    out += text.slice(from, start) + REDACTED;
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Characters of a key found in text and redacted as a part of it; any stretch of 2*BLOCK-1 holds a whole block. */
const BLOCK = 10;

/**
 * `text` without any stretch of `secret` (any case) that holds one of its BLOCK-long blocks at
 * 0, BLOCK, 2*BLOCK… (and its last BLOCK characters), widened both ways as far as the text still
 * follows the key: an upstream that echoes the key cut short or without its prefix gives most of it
 * away. A few indexOf scans per key, on error text only.
 */
function redactStretches(text: string, secret: string): string {
  if (secret.length < 2 * BLOCK) return text;
  const lowText = text.toLowerCase();
  const lowKey = secret.toLowerCase();
  // A character whose lower case has another length would shift the offsets: compare as written.
  const [t, k] = lowText.length === text.length && lowKey.length === secret.length ? [lowText, lowKey] : [text, secret];
  const ranges: [number, number][] = [];
  const starts: number[] = [];
  for (let b = 0; b < k.length - BLOCK; b += BLOCK) starts.push(b);
  starts.push(k.length - BLOCK);
  for (const b of starts) {
    const block = k.slice(b, b + BLOCK);
    for (let at = t.indexOf(block); at >= 0; ) {
      let s = at, ks = b;
      while (s > 0 && ks > 0 && t[s - 1] === k[ks - 1]) s--, ks--;
      let e = at + BLOCK, ke = b + BLOCK;
      while (e < t.length && ke < k.length && t[e] === k[ke]) e++, ke++;
      ranges.push([s, e]);
      at = t.indexOf(block, e);
    }
  }
  if (!ranges.length) return text;
  ranges.sort((x, y) => x[0] - y[0]);
  let out = '';
  let from = 0;
  for (const [s, e] of ranges) {
    if (e <= from) continue;
    out += text.slice(from, Math.max(s, from)) + (s >= from ? REDACTED : '');
    from = e;
  }
  return out + text.slice(from);
}

/** `text` without any of the forms of `secret` listed above (secrets under 8 characters: verbatim only). */
export function redactKeyForms(text: string, secret: string | undefined | null): string {
  if (!secret || secret.length < 4) return text;
  let out = text.split(secret).join(REDACTED);
  if (secret.length < 8) return out;
  const { spaced, cores } = patternsFor(secret);
  out = out.replace(spaced, REDACTED);
  out = redactStretches(out, secret);
  for (const core of cores) out = redactRuns(out, core);
  return out;
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Bytes relayed to a client as the provider wrote them (a pass-through stream's failure event),
 * without any form of `secret`: the same bytes when it is not there. Whole events only (a
 * character cut at either end would be mangled); for failures, never the normal path.
 */
export function redactKeyInBytes(bytes: Uint8Array, secret: string | undefined | null): Uint8Array {
  if (!secret) return bytes;
  const text = utf8Decoder.decode(bytes);
  const out = redactKeyForms(text, secret);
  return out === text ? bytes : utf8Encoder.encode(out);
}
