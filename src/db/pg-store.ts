import type { SQLQueryBindings } from 'bun:sqlite';
import { SQL } from 'bun';
import { drizzle } from 'drizzle-orm/bun-sql';
import { urlWithoutQueryValues } from '../config/env-readers';
import { embeddedMigrations } from './migrations-pg.gen';
import { refuseNewerSchema } from './newer-schema';
import { AnswerOrder } from './answer-order';
import { asSharedDb } from './pg-translate';
import * as pgSchema from './schema-pg.gen';
import { seedDatabaseAsync } from './seed/seed';
import { pgPlaceholders, type Store } from './store';
import { pgValue } from './pg-text';

/** Every instance takes this advisory lock to migrate and seed, so they may start at once. */
export const MIGRATION_LOCK_KEY = 7_170_017;

export interface PgStoreOptions {
  /** Connections in the pool. */
  max?: number;
  /** Seconds to wait for a connection before a query fails (a dead server must not hang /api long). */
  connectionTimeoutS?: number;
  /** How often reachability is probed while the server is down (and after a failed query). */
  probeMs?: number;
  adminPassword?: string;
}

const CONNECTION_ERROR = /connect|closed|terminat|ECONN|timeout|timed out|socket|EPIPE|reset/i;
/** Error codes of a PostgreSQL that cannot be reached: Bun's driver's, then SQLSTATE 57P0x (shutdown) and 08xxx (connection). */
const UNREACHABLE_CODE = /^(ERR_POSTGRES_(CONNECTION|IDLE|LIFETIME|SERVER_ERROR_TERMIN)|57P0|08)/;

/** True for errors that mean "cannot reach PostgreSQL" rather than a bad query. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; errno?: string };
  if (typeof e?.code === 'string' && UNREACHABLE_CODE.test(e.code)) return true;
  return CONNECTION_ERROR.test(String(e?.message ?? e));
}

/**
 * True for a query that failed because PostgreSQL could not be reached: the driver's error, or
 * Drizzle's wrapping of it (the driver's error as `cause`). By error code only, so no other
 * failure (an upstream timeout, a Redis error) is taken for the database being away.
 */
export function isStoreUnreachableError(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause;
  const code = ((cause ?? err) as { code?: unknown })?.code;
  return typeof code === 'string' && UNREACHABLE_CODE.test(code);
}

/**
 * Applies the embedded PostgreSQL migrations and the seed under a session advisory lock on one
 * connection; a database a later release migrated is refused first (newer-schema.ts).
 */
export async function migratePg(url: string, opts: PgStoreOptions = {}): Promise<void> {
  const client = new SQL({ url, max: 1, connectionTimeout: opts.connectionTimeoutS ?? 10 });
  try {
    await client.unsafe('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      // drizzle's own bookkeeping (schema `drizzle`), absent on a new database.
      const [{ t }] = await client.unsafe(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS t`);
      const applied: { created_at: string }[] = t ? await client.unsafe('SELECT created_at FROM drizzle.__drizzle_migrations') : [];
      refuseNewerSchema(applied.map((r) => Number(r.created_at)), embeddedMigrations, urlWithoutQueryValues(url));
      const db = drizzle({ client, schema: pgSchema });
      const migrations = embeddedMigrations.map((m) => ({
        sql: m.sql.split('--> statement-breakpoint'),
        bps: m.breakpoints,
        folderMillis: m.when,
        hash: new Bun.CryptoHasher('sha256').update(m.sql).digest('hex'),
      }));
      await (db as any).dialect.migrate(migrations, (db as any).session, {});
      await seedDatabaseAsync(asSharedDb(db), { adminPassword: opts.adminPassword });
    } finally {
      await client.unsafe('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.close();
  }
}

/** The PostgreSQL store (the database must be migrated: see migratePg). */
export function openPgStore(url: string, opts: PgStoreOptions = {}): Store & { client: SQL } {
  const client = new SQL({ url, max: opts.max ?? 10, connectionTimeout: opts.connectionTimeoutS ?? 3, idleTimeout: 30 });
  const probeMs = opts.probeMs ?? 1000;
  const order = new AnswerOrder();
  let probing: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  /** A `SELECT 1`; its answer sets whether PostgreSQL is up. */
  const ask = (): Promise<boolean> => {
    const n = order.begin();
    return client.unsafe('SELECT 1').then(
      () => (order.answered(n, true), order.up),
      () => (order.answered(n, false), order.up),
    );
  };
  /** The requests' own asking (recheck), one at a time: the probe's may have begun before PostgreSQL came back. */
  let asking: Promise<boolean> | null = null;
  // A `SELECT 1` every probeMs keeps `order.up` current for /health and /api.
  const probe = () => {
    probing = null;
    if (closed) return;
    void ask().finally(() => {
      if (closed || probing) return;
      probing = setTimeout(probe, probeMs);
      (probing as any).unref?.();
    });
  };
  probing = setTimeout(probe, probeMs);
  (probing as any).unref?.();
  /** Marks the store down on a connection error (the probe finds it back), up on an answer. */
  const watch = <T>(p: Promise<T>): Promise<T> => {
    const n = order.begin();
    return p.then(
      (v) => (order.answered(n, true), v),
      (err) => {
        if (isConnectionError(err)) order.answered(n, false);
        throw err;
      },
    );
  };

  const db = drizzle({ client, schema: pgSchema });
  return {
    kind: 'postgres',
    client,
    db: asSharedDb(db),
    all: <T>(sql: string, args: readonly SQLQueryBindings[] = []) => watch(client.unsafe(pgPlaceholders(sql), args.map(pgValue)) as Promise<T[]>),
    run: async (sql, args = []) => void (await watch(client.unsafe(pgPlaceholders(sql), args.map(pgValue)))),
    reachable: () => order.up,
    // Marked away: asked again now rather than at the next probe, so an /api request right after
    // PostgreSQL came back is served, not told 503 for up to probeMs. Bounded: a server that does
    // not answer (its connection timeout is seconds) costs the request no more than `ms`.
    recheck: (ms) => (order.up ? Promise.resolve(true) : Promise.race([(asking ??= ask().finally(() => (asking = null))), Bun.sleep(ms).then(() => order.up)])),
    async close() {
      closed = true;
      if (probing) clearTimeout(probing);
      await client.close();
    },
  };
}
