// C0 controls (CR, LF, NUL, TAB...), DEL, C1 controls, line/paragraph separators, bidi
// overrides and isolates, the BOM. Other Unicode (CJK, emoji) is valid text.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/**
 * True when a name the gateway carries further (into upstream URLs and headers, log rows, metric
 * labels, the dashboard) holds a control, line-break, bidi-override or unpaired surrogate
 * character: a surrogate cannot be stored as UTF-8 (SQLite keeps U+FFFD instead), the others
 * forge log lines or disguise what a name reads as.
 */
export function hasUnsafeChars(text: string): boolean {
  return FORBIDDEN.test(text) || !text.isWellFormed();
}

/**
 * The same for a name an admin gives something (a client, a team, a provider key), which also
 * must not hold U+FFFD: it is what bytes that were not UTF-8 decode to (a form field such as
 * `name=%FF`), so such a name would be stored silently changed.
 */
export function hasUnsafeNameChars(text: string): boolean {
  return hasUnsafeChars(text) || text.includes('\ufffd');
}
