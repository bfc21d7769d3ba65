import type { Database, SQLQueryBindings } from 'bun:sqlite';
import { closeSqlite, type Db } from './client';
import type { SqliteFileWatch } from './sqlite-file-watch';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The seam between the app and its database: SQLite (the embedded default) or PostgreSQL
 * (LLM_PROXY__DATABASE__URL). Services use `db` (Drizzle, awaited) or `all`/`run` for raw SQL
 * written with `?` placeholders and only SQL both dialects speak. Nothing on the /v1 request
 * path waits for it: that path reads the in-memory snapshot and hands log rows to the log sink.
 */
export interface Store {
  kind: StoreKind;
  /** Drizzle over the SQLite tables of src/db/schema; on PostgreSQL a translating proxy (src/db/pg-translate.ts). */
  db: Db;
  /** The SQLite connection, or undefined on PostgreSQL. */
  sqlite?: Database;
  /** Raw read: rows as objects. On PostgreSQL bigint and numeric values arrive as strings; callers convert. */
  all<T = Record<string, unknown>>(sql: string, args?: readonly SQLQueryBindings[]): Promise<T[]>;
  run(sql: string, args?: readonly SQLQueryBindings[]): Promise<void>;
  /** False while the store cannot be reached (PostgreSQL down); SQLite is always reachable. */
  reachable(): boolean;
  /** PostgreSQL marked away: asks it now (at most `ms`); resolves whether it is reachable. SQLite: true. */
  recheck(ms: number): Promise<boolean>;
  /** SQLite: set while the database path no longer names the open file (src/db/sqlite-file-watch.ts). */
  fileProblem?(): string | null;
  close(): Promise<void>;
}

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the shared raw SQL never has `?` inside a literal). */
export function pgPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** The SQLite store over an open connection; with `file`, it watches that the file stays at its path. */
export function sqliteStore(sqlite: Database, db: Db, file?: SqliteFileWatch): Store {
  return {
    kind: 'sqlite',
    db,
    sqlite,
    all: async <T>(sql: string, args: readonly SQLQueryBindings[] = []) => sqlite.query(sql).all(...args) as T[],
    run: async (sql, args = []) => void sqlite.query(sql).run(...args),
    reachable: () => true,
    recheck: () => Promise.resolve(true),
    fileProblem: () => file?.problem() ?? null,
    close: async () => {
      file?.stop();
      closeSqlite(sqlite);
    },
  };
}

/** A value PostgreSQL returned as text for a bigint/numeric, as a number (null stays null). */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v));
