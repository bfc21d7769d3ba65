/**
 * An element id (and `#id` selector) part for a name: letters, digits and `-` as they are, any
 * other character as `_` and its four-hex-digit UTF-16 code. One name, one id: replacing them
 * all with `_` gave `gemini-2.5-flash` and `gemini-2_5-flash` the same row id, so saving one row
 * posted the other row's inputs too (hx-include) and swapped the answer into the wrong row.
 * Ids built around a part mark their own pieces with `_` and a non-hex letter (`_form`), which no
 * part contains, so they cannot meet another name's id either.
 */
export const domIdPart = (name: string): string =>
  name.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
