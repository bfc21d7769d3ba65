/**
 * Parses an IPv4 address the way `inet_aton` does, because that is how the C resolver (and so
 * `getaddrinfo`, which Bun's fetch uses) reads a host name made only of numbers: `2130706433`,
 * `0x7f.1`, `0177.0.0.1` and `127.1` all mean 127.0.0.1. An SSRF check that only knew the
 * dotted-quad form would wave those through. Returns the address as an unsigned 32-bit number.
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Part(part);
    if (n === null) return null;
    nums.push(n);
  }
  // The last part fills all remaining bytes: a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits).
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return null;
  const lastBits = 8 * (4 - nums.length);
  if (last >= 2 ** lastBits) return null;
  let value = 0;
  for (const n of nums) value = value * 256 + n;
  return value * 2 ** lastBits + last;
}

function parseIPv4Part(part: string): number | null {
  if (part === '') return null;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === '') return 0; // "0x" alone is 0 for inet_aton
    if (!/^[0-9a-f]+$/i.test(digits)) return null;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
    if (!/^[0-7]+$/.test(digits)) return null;
  } else if (!/^[0-9]+$/.test(digits)) {
    return null;
  }
  const n = parseInt(digits, radix);
  return n <= 0xffffffff ? n : null;
}

/** Dotted-quad text of a 32-bit address. */
export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}
