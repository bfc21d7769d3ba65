/**
 * A string made safe for an HTTP header value: printable ASCII stays as it is, anything else
 * (non-ASCII, controls, CR/LF, lone surrogates) is percent-encoded as UTF-8. Model and group
 * names come from clients and config, and `new Headers()` throws on most of those characters.
 */
export function headerValue(s: string): string {
  let safe = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      safe = false;
      break;
    }
  }
  if (safe) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e && c !== 0x25) out += ch;
    else if (c >= 0xd800 && c <= 0xdfff) out += '%EF%BF%BD'; // a lone surrogate: U+FFFD
    else out += encodeURIComponent(ch).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  return out;
}

/** Characters one code point takes in headerValue's output (printable ASCII 1, else 3 per UTF-8 byte). */
function encodedLength(c: number): number {
  if (c >= 0x20 && c <= 0x7e && c !== 0x25) return 1;
  if (c < 0x80) return 3;
  if (c < 0x800) return 6;
  if (c >= 0x10000) return 12;
  return 9; // the rest of the BMP, and a lone surrogate (sent as U+FFFD)
}

/**
 * headerValue, at most `max` characters as sent: a longer value is cut (with `...`) on a whole
 * character, so a non-ASCII text (a classifier's answer in Chinese: 9 characters a glyph) keeps to
 * the bound too, and what a client decodes is never a broken UTF-8 sequence.
 */
export function headerValueCapped(s: string, max: number): string {
  let total = 0;
  let end = -1;
  for (let i = 0; i < s.length; ) {
    const c = s.codePointAt(i)!;
    const n = encodedLength(c);
    if (end < 0 && total + n > max - 3) end = i;
    total += n;
    if (total > max) return `${headerValue(s.slice(0, end))}...`;
    i += c >= 0x10000 ? 2 : 1;
  }
  return headerValue(s);
}
