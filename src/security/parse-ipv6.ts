import { parseIPv4 } from './parse-ipv4';

/**
 * Parses an IPv6 address (optionally in brackets, with a `%zone`, with an embedded dotted IPv4
 * tail like `::ffff:10.0.0.1`) into its eight 16-bit groups. Returns null when it is not IPv6.
 */
export function parseIPv6(text: string): number[] | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (!s.includes(':')) return null;

  // An IPv4 tail takes the place of the last two groups.
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const after = s.slice(lastColon + 1);
  if (after.includes('.')) {
    // Only strict dotted-quad is valid inside IPv6 text.
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(after)) return null;
    const v4 = parseIPv4(after.split('.').map((p) => String(Number(p))).join('.'));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }

  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return null;
  const want = 8 - tail.length;
  let out: number[];
  if (halves.length === 2) {
    const fill = want - head.length - rest.length;
    if (fill < 1) return null;
    out = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    if (head.length !== want) return null;
    out = head;
  }
  return [...out, ...tail];
}

function groups(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}
