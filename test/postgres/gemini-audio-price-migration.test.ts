/**
 * Gemini's audio input price (migration 0014 on SQLite, 0006 on PostgreSQL): a new database gets
 * it from the seed; an existing one gets it on the seeded Gemini models Google prices audio apart
 * for, where the row still has the seed's prices (never for a row an admin repriced). Without it,
 * a Gemini prompt's audio tokens bill at the text rate (gemini-2.5-flash: 0.3 $/M instead of 1).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/bun-sqlite';
import * as sqliteSchema from '../../src/db/schema';
import { runMigrations } from '../../src/db/migrate';
import { seedDatabase } from '../../src/db/seed/seed';
import { seedModelRows } from '../../src/db/seed/model-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { oldModelRows, upgradedPgModels, upgradedSqliteModels } from '../helpers/migrate-before';

const MIGRATION = 'gemini_audio_prices';
const COLUMNS = [
  'id', 'provider', 'upstream_id', 'kind', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'image_price',
  'context_window', 'updated_at', 'cache_write_price', 'long_context_threshold', 'long_context_input_price', 'long_context_cached_input_price',
  'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price', 'audio_input_price', 'audio_output_price',
  'flex_price_multiplier', 'priority_price_multiplier',
] as const;
const NOW = Date.UTC(2026, 11, 1);
/** Google's audio input prices, USD per 1M tokens (text: 0.1, 0.3, 0.5). */
const AUDIO = { 'gemini-2.0-flash': 0.7, 'gemini-2.5-flash': 1, 'gemini-3-flash-preview': 1 };

/** Seeded rows as the earlier seed wrote them (no Gemini audio price); gemini-2.5-flash's input price edited by an admin. */
function oldRows(): unknown[][] {
  const rows = seedModelRows(NOW).map((r) => (r.provider === 'gemini' ? { ...r, audioInputPrice: null, ...(r.id === 'gemini-2.5-flash' ? { inputPrice: 0.35 } : {}) } : r));
  return oldModelRows(rows, COLUMNS);
}

/** Audio input prices by model: the unedited Gemini models have Google's, the edited one none, the rest as seeded. */
function expectUpgraded(rows: Record<string, unknown>[]) {
  const got = Object.fromEntries(rows.filter((r) => r.audio_input_price != null).map((r) => [r.id as string, Number(r.audio_input_price)]));
  expect(got).toEqual({ 'gemini-2.0-flash': 0.7, 'gemini-3-flash-preview': 1, 'gpt-audio': 32, 'gpt-audio-mini': 10 });
}

test('the seed prices the audio input of the Gemini models Google prices it apart for', () => {
  const lite = new Database(':memory:');
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  runMigrations(db);
  seedDatabase(db, { now: NOW, adminPassword: 'pw-gemini-audio' });
  const rows = lite.query("SELECT id, audio_input_price FROM models WHERE provider = 'gemini' AND audio_input_price IS NOT NULL ORDER BY id").all();
  expect(rows).toEqual(Object.entries(AUDIO).map(([id, audio_input_price]) => ({ id, audio_input_price })));
  lite.close();
});

test('SQLite: upgrading a seeded database gives the unedited Gemini models their audio price only', () => {
  expectUpgraded(upgradedSqliteModels(MIGRATION, COLUMNS, oldRows(), { now: NOW, adminPassword: 'pw-gemini-audio' }));
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading a seeded database gives the unedited Gemini models their audio price only', async () => {
    expectUpgraded(await upgradedPgModels(pg.url, MIGRATION, COLUMNS, oldRows(), 'pw-gemini-audio'));
  });
});
