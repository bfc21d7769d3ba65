/**
 * Removes a known secret from text in the forms an upstream may echo it back in: as it is, in
 * another letter case, with spaces (or other whitespace) between its characters, and base64
 * (standard or URL-safe, at any byte alignment inside a longer encoded string).
 */

const REDACTED = '[redacted]';
const B64_CHAR = '[A-Za-z0-9+/=_-]';
const cache = new Map<string, RegExp[]>();

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

function patternsFor(secret: string): RegExp[] {
  let p = cache.get(secret);
  if (p) return p;
  const chars = [...secret].map(escape);
  p = [
    // verbatim, any case, with whitespace between the characters
    new RegExp(chars.join('\\s*'), 'gi'),
    ...base64Cores(secret).map((core) => new RegExp(`${B64_CHAR}*${escape(core)}${B64_CHAR}*`, 'g')),
  ];
  if (cache.size > 100) cache.clear();
  cache.set(secret, p);
  return p;
}

/** `text` without any of the forms of `secret` listed above (secrets under 8 characters: verbatim only). */
export function redactKeyForms(text: string, secret: string | undefined | null): string {
  if (!secret || secret.length < 4) return text;
  let out = text.split(secret).join(REDACTED);
  if (secret.length < 8) return out;
  for (const re of patternsFor(secret)) out = out.replace(re, REDACTED);
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
