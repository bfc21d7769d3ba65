/**
 * A name as every name check and lookup matches it (teams' uniqueness, the dashboard's team and
 * key pickers, a typed name read back to its row): trimmed, then compared under Unicode's default
 * full case folding and canonical equivalence, the "canonical caseless match" of the Unicode
 * standard (3.13). So "Research", "research " and "RESEARCH" are one name; "Équipe" with a
 * composed or a decomposed É too; "Straße", "STRASSE" and "strasse" (ß and ẞ fold to "ss"),
 * "ﬁnance" and "Finance" (the ligature folds to "fi"), "ΟΔΟΣ" and "οδος" as well. The folding is
 * the same in every locale, Turkish too: dotless "ı" is its own letter (not "i"), and "İ" is an "i"
 * with a dot above, so "İzmir" is not "izmir" (but is "i̇zmir"). Invisible characters (INVISIBLE)
 * are no part of a name. Computed here and stored with the
 * row (teams.name_key, clients.name_key), not by the stores' lower(): SQLite's folds ASCII only,
 * and so does PostgreSQL's under the C locale, while under en_US it folds every letter.
 */
/**
 * Unicode's default-ignorable code points: zero-width spaces and joiners, soft hyphens, word
 * joiners, a BOM, variation selectors, Hangul fillers. They show as nothing (or change only a
 * glyph's look), so "Research" and "Research" with a zero-width space pasted after it are one
 * name, as Unicode's NFKC_Casefold counts them; a name of nothing else is no name.
 */
export const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

export function nameKey(name: string): string {
  // Lower, then upper and lower again: JavaScript's locale-free full mappings turn ß, ẞ and ﬁ
  // into "ss" and "fi" that way, as case folding does. Dotless ı is kept out of the round trip
  // (its upper case is I), and final sigma, which lower-casing picks by position, is σ wherever
  // it stands, so the key of a name's start is the start of the name's key.
  const folded = name.replace(INVISIBLE, '').trim().normalize('NFD').toLowerCase().replace(/[^ı]+/g, (run) => run.toUpperCase().toLowerCase());
  return folded.replace(/ς/g, 'σ').normalize('NFC');
}

/** `LIKE` pattern matching what starts with `prefix` (its own `%`, `_` and `\` taken literally); use with `escape '\'`. */
export const startsWith = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
