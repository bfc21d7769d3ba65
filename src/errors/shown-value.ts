/** Longest part of a client's value an error message repeats. */
const SHOWN_CHARS = 64;

/**
 * A value the client sent, as an error message names it: a string as sent, anything else as its
 * JSON, cut at 64 characters (never inside a surrogate pair) with `…`. Without it a 1 MB string
 * came back whole in the error (and its log row), and an object as '[object Object]'.
 */
export function shownValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = typeof v;
    }
  }
  if (s.length <= SHOWN_CHARS) return s;
  const end = /[\ud800-\udbff]/.test(s[SHOWN_CHARS - 1]!) ? SHOWN_CHARS - 1 : SHOWN_CHARS;
  return `${s.slice(0, end)}…`;
}
