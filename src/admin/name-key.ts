/**
 * A name as the dashboard's pickers and name checks match it: trimmed, NFC and lower case
 * ("Research", "research " and "RESEARCH" are one name; "Équipe" with a composed or a decomposed
 * É too; "Ärzte" and "ärzte" as well). Computed here and stored with the row (teams.name_key,
 * clients.name_key), not by the stores' lower(): SQLite's folds ASCII only, and so does
 * PostgreSQL's under the C locale, while under en_US it folds every letter.
 */
export const nameKey = (name: string): string => name.trim().normalize('NFC').toLowerCase();

/** `LIKE` pattern matching what starts with `prefix` (its own `%`, `_` and `\` taken literally); use with `escape '\'`. */
export const startsWith = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
