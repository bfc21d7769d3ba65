/**
 * A database as an earlier release left it: migrated up to, not including, the migration whose
 * tag ends with `tag` (SQLite or PostgreSQL), so an upgrade test can put old rows in and then run
 * the real migrations over them.
 */
import { Database } from 'bun:sqlite';
import { SQL } from 'bun';
import { migratePg } from '../../src/db/pg-store';
import { runMigrations } from '../../src/db/migrate';
import { seedDatabase } from '../../src/db/seed/seed';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/bun-sqlite';
import { drizzle as pgDrizzle } from 'drizzle-orm/bun-sql';
import * as sqliteSchema from '../../src/db/schema';
import * as pgSchema from '../../src/db/schema-pg.gen';
import { embeddedMigrations as liteMigrations } from '../../src/db/migrations.gen';
import { embeddedMigrations as pgMigrations } from '../../src/db/migrations-pg.gen';

/** The embedded migrations before `tag`, in the shape drizzle's migrator takes. */
function before(list: typeof liteMigrations, tag: string) {
  const i = list.findIndex((m) => m.tag.endsWith(tag));
  if (i <= 0) throw new Error(`no migration tagged *${tag} after the first`);
  return list.slice(0, i).map((m) => ({
    sql: m.sql.split('--> statement-breakpoint'), bps: m.breakpoints, folderMillis: m.when, hash: new Bun.CryptoHasher('sha256').update(m.sql).digest('hex'),
  }));
}

/** Migrates `lite` up to before `tag`; returns its drizzle handle (for runMigrations afterwards). */
export function migrateSqliteBefore(lite: Database, tag: string) {
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  (db as any).dialect.migrate(before(liteMigrations, tag), (db as any).session, {});
  return db;
}

/** Migrates the PostgreSQL database behind `client` up to before `tag`. */
export async function migratePgBefore(client: SQL, tag: string): Promise<void> {
  const db = pgDrizzle({ client, schema: pgSchema });
  await (db as any).dialect.migrate(before(pgMigrations, tag), (db as any).session, {});
}

/** Runs `fn` with a one-connection client of `url`, closed afterwards. */
export async function withPgClient<T>(url: string, fn: (client: SQL) => Promise<T>): Promise<T> {
  const client = new SQL({ url, max: 1 });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * An upgrade on PostgreSQL as an instance makes it: the database as it was before `tag`, the old
 * rows `fill` puts in, then what an instance does at start (the remaining migrations, then the
 * seed, which skips existing rows).
 */
export async function upgradePgOver(url: string, tag: string, fill: (client: SQL) => Promise<unknown>, adminPassword: string): Promise<void> {
  await withPgClient(url, async (client) => {
    await migratePgBefore(client, tag);
    await fill(client);
  });
  await migratePg(url, { adminPassword });
}

/** Old rows into `table` of a SQLite database, as an earlier release wrote them. */
export function insertSqliteRows(lite: Database, table: string, columns: readonly string[], rows: readonly unknown[][]): void {
  const insert = lite.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  for (const r of rows) insert.run(...(r as any[]));
}

/** The same into PostgreSQL; `booleans` are the columns PostgreSQL types as boolean (SQLite keeps 0/1). */
export async function insertPgRows(client: SQL, table: string, columns: readonly string[], rows: readonly unknown[][], booleans: readonly string[] = []): Promise<void> {
  const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  for (const r of rows) await client.unsafe(sql, r.map((v, i) => (booleans.includes(columns[i]!) ? Boolean(v) : v)) as any[]);
}

/**
 * The `models` columns a price migration's test writes its old rows into: the table as it stood
 * before migration 0021 (time-of-day prices); a later test adds the columns that came since.
 */
export const OLD_MODEL_COLUMNS = [
  'id', 'provider', 'upstream_id', 'kind', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'image_price',
  'context_window', 'updated_at', 'cache_write_price', 'long_context_threshold', 'long_context_input_price', 'long_context_cached_input_price',
  'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price', 'audio_input_price', 'audio_output_price',
  'flex_price_multiplier', 'priority_price_multiplier', 'fast_price_multiplier', 'us_inference_price_multiplier', 'max_output_tokens',
] as const;

/**
 * Seed model rows (`seedModelRows`, camelCase fields) as an earlier release wrote them into
 * `models`: the values of `columns` (snake_case names), in that order, `enabled` as 0/1.
 */
export function oldModelRows(rows: readonly object[], columns: readonly string[]): unknown[][] {
  const fields = columns.map((c) => c.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase()));
  return rows.map((r) => fields.map((f) => {
    const v = (r as Record<string, unknown>)[f];
    return typeof v === 'boolean' ? Number(v) : v;
  }));
}

/**
 * A price migration's upgrade on SQLite: an in-memory database as it was before `tag`, the old
 * `models` rows put in, the remaining migrations run (then the seed when `seedPassword` is given,
 * as a start does); the models rows as they come out.
 */
export function upgradedSqliteModels(tag: string, columns: readonly string[], rows: readonly unknown[][], seed?: { now: number; adminPassword: string }): Record<string, unknown>[] {
  const lite = new Database(':memory:');
  try {
    const db = migrateSqliteBefore(lite, tag);
    insertSqliteRows(lite, 'models', columns, rows);
    runMigrations(db);
    if (seed) seedDatabase(db, seed);
    return lite.query('SELECT * FROM models').all() as Record<string, unknown>[];
  } finally {
    lite.close();
  }
}

/** The same on PostgreSQL (`upgradePgOver`: the start's migrations and seed): the models rows after it. */
export async function upgradedPgModels(url: string, tag: string, columns: readonly string[], rows: readonly unknown[][], adminPassword: string): Promise<Record<string, unknown>[]> {
  await upgradePgOver(url, tag, (client) => insertPgRows(client, 'models', columns, rows, ['enabled']), adminPassword);
  return withPgClient(url, async (client) => (await client.unsafe('SELECT * FROM models')) as Record<string, unknown>[]);
}
