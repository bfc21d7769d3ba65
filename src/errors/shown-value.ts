import { ownCopy } from '../runtime/own-copy';

/** Longest part of a client's value an error message repeats (ids: `ID_CHARS`, the longest model name). */
const SHOWN_CHARS = 64;
export const ID_CHARS = 256;

/**
 * A value the client sent, as an error message names it: a string as sent, anything else as its
 * JSON, cut at `max` characters (never inside a surrogate pair) with `…`. Without it a 1 MB string
 * came back whole in the error (and its log row), and an object as '[object Object]'.
 */
export function shownValue(v: unknown, max = SHOWN_CHARS): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = typeof v;
    }
  }
  if (s.length <= max) return s;
  const end = /[\ud800-\udbff]/.test(s[max - 1]!) ? max - 1 : max;
  return ownCopy(`${s.slice(0, end)}…`);
}
