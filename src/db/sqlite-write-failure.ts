/**
 * SQLite failures that pass: the disk full, the file read-only for a while, an I/O error, a lock
 * held past busy_timeout. The same write may work a moment later; any other failure would not.
 */
export const PASSING_SQLITE_FAILURE = /disk is full|SQLITE_FULL|disk I\/O error|SQLITE_IOERR|readonly|SQLITE_READONLY|database is locked|SQLITE_BUSY|SQLITE_LOCKED/i;

/** Whether `err` (bun:sqlite's error, or one wrapping it as `cause`) is such a failure. */
export function isPassingSqliteFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof code === 'string' && code.startsWith('SQLITE_') && PASSING_SQLITE_FAILURE.test(code)) return true;
    if (name === 'SQLiteError' && typeof message === 'string' && PASSING_SQLITE_FAILURE.test(message)) return true;
  }
  return false;
}
