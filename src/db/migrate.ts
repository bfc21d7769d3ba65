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
  // Its ROLLBACK after a failed statement fails too when SQLite already rolled back (a full disk:
  // SQLITE_FULL), and that error ("no transaction is active") is the one it throws: the first
  // error of the run is the cause, and the one start-up reports (startup-failure.ts).
  let first: unknown;
  const session = watchErrors((db as any).session, (err) => (first ??= err));
  try {
    (db as any).dialect.migrate(migrations, session, {});
  } catch (err) {
    throw first ?? err;
  }
}

/** `target` with every method call's throw passed to `seen` first. */
function watchErrors<T extends object>(target: T, seen: (err: unknown) => void): T {
  return new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          return value.apply(t, args);
        } catch (err) {
          seen(err);
          throw err;
        }
      };
    },
  });
}
