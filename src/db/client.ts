import { Database } from 'bun:sqlite';
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import { closeSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { tightenToOwnerOnly } from '../runtime/owner-only-file';
import * as schema from './schema';

export type Db = BunSQLiteDatabase<typeof schema>;

/** Pragmas every connection (main thread and log writer) uses. */
export function applyPragmas(sqlite: Database): void {
  // The wait first: switching a new file to WAL takes a lock another process starting at the same
  // moment may hold, and without a busy timeout that was an immediate SQLITE_BUSY crash.
  sqlite.exec('PRAGMA busy_timeout = 5000');
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA synchronous = NORMAL');
  sqlite.exec('PRAGMA foreign_keys = ON');
}

/**
 * Closes a connection for good. Bun's plain close() leaves a connection whose prepared statements
 * (Drizzle's, the log writer's) are not finalized open underneath until the process exits, so the
 * last one to close never checkpoints: a clean stop left every row in the -wal file and a copy of
 * the .db file alone (a backup) empty. close(true) finalizes them; the WAL is then folded in and removed.
 */
export function closeSqlite(sqlite: Database): void {
  try {
    sqlite.close(true);
  } catch {
    sqlite.close(); // still busy (a statement mid-step): closed once it is done, as before
  }
}

/**
 * Opens (creating the folder and file when missing) the SQLite database. A folder it creates is
 * 0700 and the database file 0600 (SQLite gives its -wal and -shm files the database file's
 * mode); existing files others may read are tightened to 0600 too, unless another user owns them
 * (tightenToOwnerOnly). Prompts, logs and users live in there.
 */
export function openDatabase(path: string): { sqlite: Database; db: Db } {
  if (path !== ':memory:') {
    refuseNonFile(path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    for (const f of [path, `${path}-wal`, `${path}-shm`]) tightenToOwnerOnly(f);
  }
  const sqlite = new Database(path, { create: true });
  applyPragmas(sqlite);
  return { sqlite, db: drizzle(sqlite, { schema }) };
}

/** What a path that exists but is no regular file is, in an operator's words. */
function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Throws when the path exists and is not a regular file (a symbolic link to one is fine). Opening
 * a named pipe to append waits for a reader that never comes: the start hung instead of refusing.
 */
function refuseNonFile(path: string): void {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s || s.isFile()) return;
  if (s.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR', path });
  throw Object.assign(new Error(`the path is ${kindOf(s)}, not a file`), { code: 'ENOTFILE', path });
}
