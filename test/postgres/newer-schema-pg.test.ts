/**
 * A PostgreSQL database a later release migrated (drizzle's bookkeeping records a migration this
 * code does not have): an instance of this release refuses it at start with the message
 * startup-failure prints as it is (a ConfigError naming the database without its password), and
 * writes nothing: no migration, no seed. A database migrated by this release starts as before.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { ConfigError } from '../../src/config/env-readers';
import { migratePg } from '../../src/db/pg-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { withPgClient } from '../helpers/migrate-before';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase('gg_qa_upgrade_newer');
});
afterAll(() => tdb.drop());

const counts = (client: SQL) =>
  client.unsafe('SELECT (SELECT count(*) FROM drizzle.__drizzle_migrations)::int AS migrations, (SELECT count(*) FROM users)::int AS users');

test('PostgreSQL: a later release\'s migration refuses the start, changing nothing', async () => {
  await migratePg(tdb.url, { adminPassword: 'first-password-1' });
  await migratePg(tdb.url, { adminPassword: 'first-password-1' }); // its own migrations: no refusal
  const before = await withPgClient(tdb.url, async (client) => {
    await client.unsafe('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', ['a-later-release', Date.UTC(2099, 0, 1)]);
    await client.unsafe('DELETE FROM users');
    return counts(client);
  });
  const url = new URL(tdb.url);
  url.password = 'not-to-be-printed';
  const err = await migratePg(url.toString(), { adminPassword: 'first-password-1' }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toStartWith(`cannot use the database postgres://postgres:***@${url.host}/${tdb.name}: a newer GopherGate release migrated it (1 migration(s)`);
  expect((err as Error).message).not.toContain('not-to-be-printed');
  // No seed either: the admin the seed would have made again is not there.
  expect(await withPgClient(tdb.url, counts)).toEqual(before);
});
