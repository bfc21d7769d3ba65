import type { Db } from './client';
import { embeddedMigrations } from './migrations.gen';

/**
 * Applies the migrations compiled into the binary, using drizzle's own bookkeeping table so a
 * database migrated by `drizzle-kit` and one migrated here agree.
 */
export function runMigrations(db: Db): void {
  const migrations = embeddedMigrations.map((m) => ({
    sql: m.sql.split('--> statement-breakpoint'),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: new Bun.CryptoHasher('sha256').update(m.sql).digest('hex'),
  }));
  // drizzle's dialect.migrate is what its file-based migrator calls after reading the folder.
  (db as any).dialect.migrate(migrations, (db as any).session, {});
}
