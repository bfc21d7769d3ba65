/**
 * PostgreSQL's text cannot hold U+0000 (SQLite's can), nor a lone UTF-16 surrogate arriving as a
 * JSON escape (the log sink's rows travel as JSON): a value carrying one fails the whole statement
 * ("invalid byte sequence for encoding UTF8: 0x00"), which would turn a lookup by a name a client
 * made up into a 500 and refuse a log batch with every other request's row in it. Such a character
 * is stored and matched as U+FFFD instead (what SQLite's UTF-8 encoding makes of a lone
 * surrogate), so a write keeps the rest of the value and a read by the same name finds it.
 */
export const pgText = (s: string): string =>
  s.isWellFormed() && !s.includes('\u0000') ? s : s.toWellFormed().replaceAll('\u0000', '\uFFFD');

/** A bound value as PostgreSQL can take it: strings through pgText, anything else unchanged. */
export const pgValue = <T>(v: T): T => (typeof v === 'string' ? (pgText(v) as T) : v);
