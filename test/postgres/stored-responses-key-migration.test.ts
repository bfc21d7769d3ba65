/**
 * The pool key that made an OpenAI response (stored_responses.provider_key_id: migration 0012 on
 * SQLite, 0004 on PostgreSQL): an existing database keeps its stored responses, which read back
 * without a key (reads then use the provider's key, as before); a response saved after the upgrade
 * keeps its key id across a restart (a fresh store reading the table).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { runMigrations } from '../../src/db/migrate';
import { openPgStore } from '../../src/db/pg-store';
import { ResponseStore } from '../../src/responses/response-store';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { insertPgRows, insertSqliteRows, migrateSqliteBefore, upgradePgOver } from '../helpers/migrate-before';

const MIGRATION = 'stored_responses_provider_key';
/** The stored_responses columns before this migration, and an OpenAI response as an earlier release stored it. */
const OLD_COLUMNS = ['id', 'client_id', 'model', 'messages', 'created_at', 'provider', 'forwarded', 'response', 'input_items'];
const OLD_ROW = ['resp_before_upgrade', 5, 'gpt-5-mini', '[]', Date.now(), 'openai', 1, null, null];
const NEW = { clientId: 5, model: 'gpt-5-mini', messages: [], provider: 'openai', forwarded: true, providerKeyId: '17' };

test('SQLite: an old forwarded row reads back without a key; a new one keeps its key id', () => {
  const lite = new Database(':memory:');
  const db = migrateSqliteBefore(lite, MIGRATION);
  insertSqliteRows(lite, 'stored_responses', OLD_COLUMNS, [OLD_ROW]);
  runMigrations(db);
  const store = new ResponseStore(lite);
  expect(store.find('resp_before_upgrade', 5)).toMatchObject({ forwarded: true, model: 'gpt-5-mini', providerKeyId: null });
  store.save('resp_after_upgrade', NEW);
  store.flush();
  expect(new ResponseStore(lite).find('resp_after_upgrade', 5)).toMatchObject({ forwarded: true, providerKeyId: '17' });
  lite.close();
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('an old forwarded row reads back without a key; a new one keeps its key id', async () => {
    await upgradePgOver(pg.url, MIGRATION, (client) => insertPgRows(client, 'stored_responses', OLD_COLUMNS, [OLD_ROW], ['forwarded']), 'pw-stored-key');
    const store = openPgStore(pg.url, { max: 2 });
    try {
      const responses = new ResponseStore(store);
      await responses.load('resp_before_upgrade');
      expect(responses.find('resp_before_upgrade', 5)).toMatchObject({ forwarded: true, model: 'gpt-5-mini', providerKeyId: null });
      responses.save('resp_after_upgrade', NEW);
      responses.flush(); // written asynchronously on PostgreSQL: read back by a fresh store until it lands
      const fresh = new ResponseStore(store);
      for (let i = 0; i < 100 && !fresh.find('resp_after_upgrade', 5); i++) {
        await fresh.load('resp_after_upgrade', true);
        if (!fresh.find('resp_after_upgrade', 5)) await Bun.sleep(20);
      }
      expect(fresh.find('resp_after_upgrade', 5)).toMatchObject({ forwarded: true, providerKeyId: '17' });
    } finally {
      await store.close();
    }
  });
});
