import { badRequest } from '../errors/api-error';

/**
 * How deep arrays and objects may nest in a request body. JSON.parse takes any depth, but
 * serialising it again for the upstream (or for storage) overflows the stack somewhere past
 * 10,000 levels; no real request comes near this.
 */
export const MAX_JSON_DEPTH = 256;

export const nestedTooDeep = () =>
  badRequest(`The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`, null, 'invalid_json');

/** Whether `value` (parsed JSON) nests arrays and objects more than `levels` deep; recurses at most that far. */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeperThan(value[i], levels - 1)) return true;
    return false;
  }
  for (const k in value) if (nestsDeeperThan((value as Record<string, unknown>)[k], levels - 1)) return true;
  return false;
}

/**
 * How many arrays and objects a large request body may hold. JSON.parse builds every one before
 * anything can look at them: 30 MB of `[[],[],…]` took ~880 MB and a second of the event loop.
 * A real request holds far fewer (900k messages with a content part each: ~1.8M).
 */
export const MAX_JSON_CONTAINERS = 2_000_000;

/** Bodies below this are parsed at once; the scan below is for what could cost hundreds of MB. */
const SCAN_FROM_BYTES = 1024 * 1024;

/**
 * Refuses a large body, before JSON.parse, that nests deeper than MAX_JSON_DEPTH (30 MB of `[`
 * made JSON.parse take 2.3 GB) or holds more than MAX_JSON_CONTAINERS arrays and objects
 * (refuseJsonShape). Returns whether it scanned: the parsed value's depth is then known.
 */
export function refuseCostlyJsonShape(bytes: Uint8Array): boolean {
  if (bytes.byteLength < SCAN_FROM_BYTES) return false;
  refuseJsonShape(bytes);
  return true;
}

/**
 * The scan itself, whatever the body's size: one pass over the bytes, strings skipped, refusing
 * nesting past MAX_JSON_DEPTH and more than MAX_JSON_CONTAINERS arrays and objects. A body it
 * passes may still be invalid JSON, which the parse reports as before. The admin API runs it on
 * every body (the anonymous sign-in's too) before its first parse.
 */
export function refuseJsonShape(bytes: Uint8Array): void {
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw nestedTooDeep();
      if (++containers > MAX_JSON_CONTAINERS) {
        throw badRequest(`The request body holds more than ${MAX_JSON_CONTAINERS.toLocaleString('en-US')} arrays and objects.`, null, 'invalid_json');
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
}
