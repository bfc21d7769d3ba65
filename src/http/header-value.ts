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
