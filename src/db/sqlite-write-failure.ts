import { ApiError } from '../errors/api-error';

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

/** The 503 for such a failure, on /api and /v1 alike: it may pass, so it is not an internal error. */
const storeBusy = () =>
  new ApiError({
    status: 503, type: 'api_error', code: 'store_busy', headers: { 'retry-after': '1' },
    message: 'The database could not be used just now (busy or full); retry in a moment.',
  });

/** `err` as the answer to give: the 503 `store_busy` for a failure that passes (warned about here), else `err` unchanged. */
export function storeBusyOr(err: unknown): unknown {
  if (!isPassingSqliteFailure(err)) return err;
  console.warn('[gophergate] a database operation failed and may pass:', (err as { message?: unknown })?.message ?? err);
  return storeBusy();
}
