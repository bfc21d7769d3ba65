import type { Database } from 'bun:sqlite';
import { ConfigError } from '../config/env-readers';
import type { Db } from './client';
import { embeddedMigrations } from './migrations.gen';
import { refuseNewerSchema } from './newer-schema';

/** drizzle's bookkeeping table, as its SQLite migrator makes and reads it. */
const TABLE = '"__drizzle_migrations"';

/** How long a start waits for another process's migration to end (each BEGIN waits busy_timeout). */
const LOCK_WAIT_MS = 60_000;

/**
 * Applies the migrations compiled into the binary, with drizzle's own bookkeeping (the same table,
 * rows and rule: each migration newer than the last one recorded), so a database migrated by
 * `drizzle-kit` and one migrated here agree.
 *
 * Unlike drizzle's migrator, the bookkeeping is read inside the write transaction (BEGIN
 * IMMEDIATE): two gateways started at once on a new file both read "nothing applied" before
 * either wrote, and the second one's CREATE TABLE failed ("table `users` already exists") with a
 * stack trace. Now the second waits for the first and finds its migrations done. A failed
 * statement's error is the one thrown (after SQLITE_FULL, SQLite has already rolled back and the
 * ROLLBACK fails too: that error would hide the cause start-up reports, startup-failure.ts).
 * A database a later release migrated is refused (newer-schema.ts), as is another program's.
 */
export function runMigrations(db: Db): void {
  const sqlite = (db as unknown as { $client: Database }).$client;
  beginImmediate(sqlite);
  try {
    sqlite.run(`CREATE TABLE IF NOT EXISTS ${TABLE} (\n\t\t\tid SERIAL PRIMARY KEY,\n\t\t\thash text NOT NULL,\n\t\t\tcreated_at numeric\n\t\t)`);
    const last = sqlite.query(`SELECT id, hash, created_at FROM ${TABLE} ORDER BY created_at DESC LIMIT 1`).values()[0];
    if (!last) refuseForeignTables(sqlite);
    else refuseNewerSchema(sqlite.query(`SELECT created_at FROM ${TABLE}`).values().map((r) => Number(r[0])), embeddedMigrations, sqlite.filename);
    for (const m of embeddedMigrations) {
      if (last && Number(last[2]) >= m.when) continue;
      for (const statement of m.sql.split('--> statement-breakpoint')) sqlite.run(statement);
      sqlite.run(`INSERT INTO ${TABLE} ("hash", "created_at") VALUES (?, ?)`, [new Bun.CryptoHasher('sha256').update(m.sql).digest('hex'), m.when]);
    }
    sqlite.run('COMMIT');
  } catch (err) {
    try {
      sqlite.run('ROLLBACK');
    } catch {
      // already rolled back by SQLite (a full disk): the statement's error above is the cause
    }
    throw err;
  }
}

/**
 * A file with tables but none of our migrations is another program's database (a path pointed at
 * the wrong file): migrating into it failed on "table `users` already exists" with a stack trace,
 * or would have mixed our tables into theirs. Refused in one line; the ROLLBACK leaves it as it was.
 */
function refuseForeignTables(sqlite: Database): void {
  const names = sqlite
    .query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name`)
    .values()
    .map((r) => String(r[0]));
  if (names.length === 0) return;
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
  throw new ConfigError(
    `cannot use the database ${sqlite.filename}: it holds tables of another program (${shown}) and none of GopherGate's migrations. ` +
      'Set LLM_PROXY__DATABASE__PATH to a new file (its folder is created) or to a GopherGate database.',
  );
}

/** BEGIN IMMEDIATE, waiting past busy_timeout while another process migrates (a slow, loaded start). */
function beginImmediate(sqlite: Database): void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      sqlite.run('BEGIN IMMEDIATE');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
    }
  }
}
