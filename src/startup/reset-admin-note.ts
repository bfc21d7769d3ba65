/**
 * What `--reset-admin` adds on stderr when no SQLite database was at the configured path: it made a
 * new one, so the command was most likely run from another folder than the gateway's (the default
 * path is relative to the working directory) and the running gateway's admin is unchanged.
 */
export function newDatabaseNote(path: string): string {
  return (
    `gophergate: there was no database at ${path}, so --reset-admin created a new one there; the gateway's own database is unchanged if it is elsewhere. ` +
    'Run --reset-admin in the folder the gateway runs from (its default database is ./data/gophergate.db there), or set LLM_PROXY__DATABASE__PATH to its file.'
  );
}
