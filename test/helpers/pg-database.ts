/**
 * A throwaway PostgreSQL database for a test, on the machine's server (127.0.0.1:5432, trust
 * auth, role postgres; `PG_TEST_URL` overrides the server). Random name; dropped (connections
 * closed by force) by drop().
 */
import { SQL } from 'bun';
import { migratePg } from '../../src/db/pg-store';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export const PG_SERVER_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** postgres://… of the new database. */
  url: string;
  drop(): Promise<void>;
}

/** The URL of `database` on the same server as `serverUrl` (another host/port for a proxy in between). */
export function databaseUrl(name: string, serverUrl = PG_SERVER_URL): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabaseOptions {
  /**
   * An ICU locale (`en-US`) the database sorts text by, as a server set up with a language's
   * locale does (the official image's is en_US); by default the server's own (C here).
   */
  icuLocale?: string;
}

export async function createTestDatabase(prefix = 'gg_test', opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new SQL({ url: PG_SERVER_URL, max: 1 });
  const locale = opts.icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${opts.icuLocale}'` : '';
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"${locale}`);
  } finally {
    await admin.close();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const a = new SQL({ url: PG_SERVER_URL, max: 1 });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}

/** A migrated test database reached through a loopback TCP proxy the test cuts to take PostgreSQL away. */
export interface ProxiedDatabase {
  db: TestDatabase;
  proxy: TcpProxy;
  /** The database's URL through the proxy. */
  url: string;
  /**
   * Teardown: lets connections through again, runs `closeUsers` (the gateways and stores on `url`
   * finish their writes), then closes the proxy and drops the database.
   */
  close(closeUsers: () => Promise<unknown>): Promise<void>;
}

/**
 * A new database, migrated (and seeded with `opts.adminPassword`), behind a TCP proxy of its own.
 * `refuse`: the cut proxy refuses connections, so queries fail at once instead of each waiting out
 * the connection timeout (see tcp-proxy.ts).
 */
export async function createProxiedDatabase(opts: { adminPassword?: string; refuse?: boolean } = {}): Promise<ProxiedDatabase> {
  const db = await createTestDatabase();
  try {
    await migratePg(db.url, { adminPassword: opts.adminPassword });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const proxy = await startTcpProxy('127.0.0.1', 5432, 'postgres', { refuse: opts.refuse });
  return {
    db,
    proxy,
    url: databaseUrl(db.name, `postgres://postgres@127.0.0.1:${proxy.port}/postgres`),
    async close(closeUsers) {
      proxy.restore();
      await closeUsers();
      proxy.close();
      await db.drop();
    },
  };
}
