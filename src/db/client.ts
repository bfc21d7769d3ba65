import { Database } from 'bun:sqlite';
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as schema from './schema';

export type Db = BunSQLiteDatabase<typeof schema>;

/** Pragmas every connection (main thread and log writer) uses. */
export function applyPragmas(sqlite: Database): void {
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA synchronous = NORMAL');
  sqlite.exec('PRAGMA busy_timeout = 5000');
  sqlite.exec('PRAGMA foreign_keys = ON');
}

/** Opens (creating the folder and file when missing) the SQLite database. */
export function openDatabase(path: string): { sqlite: Database; db: Db } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { create: true });
  applyPragmas(sqlite);
  return { sqlite, db: drizzle(sqlite, { schema }) };
}
