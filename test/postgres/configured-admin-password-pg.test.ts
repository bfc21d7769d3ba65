/**
 * On PostgreSQL the first admin is created by migratePg (under its lock): a weak
 * LLM_PROXY__ADMIN__PASSWORD is refused there as on SQLite (test/auth/configured-admin-password.test.ts),
 * nothing is created, and the same database takes a good one on the next start.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { ConfigError } from '../../src/config/env-readers';
import { migratePg } from '../../src/db/pg-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';

let db: TestDatabase;
beforeAll(async () => (db = await createTestDatabase()));
afterAll(async () => db?.drop());

test('a 1-character admin password stops the first start; a good one then creates admin', async () => {
  const refused = await migratePg(db.url, { adminPassword: 'a' }).then(() => null, (err: unknown) => err);
  expect(refused).toBeInstanceOf(ConfigError);
  expect((refused as Error).message).toContain('LLM_PROXY__ADMIN__PASSWORD is refused: The password must be at least 12 characters.');
  const sql = new SQL(db.url);
  try {
    expect(await sql`SELECT username FROM users`).toEqual([]);
    await migratePg(db.url, { adminPassword: 'a-good-first-password' });
    const [admin] = await sql`SELECT username, must_change_password FROM users`;
    expect(admin).toEqual({ username: 'admin', must_change_password: false });
    // Users exist: the variable is not read again, whatever it holds.
    await migratePg(db.url, { adminPassword: 'a' });
  } finally {
    await sql.close();
  }
}, 60_000);
