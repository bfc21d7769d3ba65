/**
 * The audio prices and processing-tier multipliers (migration 0011 on SQLite, 0003 on PostgreSQL):
 * a new database gets them from the seed; an existing one gets the multipliers of OpenAI's seeded
 * chat models from the migration, where the row still has the seed's prices (never for a row an
 * admin repriced), and gpt-audio / gpt-audio-mini from the seed at the next start.
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

const MIGRATION = 'audio_and_service_tier_prices';
const COLUMNS = ['audio_input_price', 'audio_output_price', 'flex_price_multiplier', 'priority_price_multiplier'];
/** The models columns before this migration. */
const OLD_COLUMNS = [
  'id', 'provider', 'upstream_id', 'kind', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'image_price',
  'context_window', 'updated_at', 'cache_write_price',
] as const;
const NOW = Date.UTC(2026, 11, 1);

/** Seeded rows as an earlier release's seed wrote them (no audio models yet); gpt-4o's input price was edited by an admin. */
function oldRows(): unknown[][] {
  const rows = seedModelRows(NOW)
    .filter((r) => !r.id.startsWith('gpt-audio'))
    .map((r) => (r.id === 'gpt-4o' ? { ...r, inputPrice: 2.25 } : r));
  return oldModelRows(rows, OLD_COLUMNS);
}

/** The seed's multipliers and audio prices for every row but the edited gpt-4o, which has none. */
function expectUpgraded(rows: Record<string, unknown>[]) {
  const seeded = new Map(seedModelRows(NOW).map((r) => [r.id, [r.audioInputPrice, r.audioOutputPrice, r.flexPriceMultiplier, r.priorityPriceMultiplier]]));
  const got = new Map(rows.map((r) => [r.id as string, COLUMNS.map((c) => (r[c] == null ? null : Number(r[c])))]));
  expect(got.get('gpt-4o')).toEqual([null, null, null, null]);
  expect(got.get('o3')).toEqual([null, null, 0.5, 1.75]);
  expect(got.get('gpt-4o-mini')).toEqual([null, null, 0.5, 5 / 3]);
  expect(got.get('o4-mini')).toEqual([null, null, 0.5, 20 / 11]);
  expect(got.get('gpt-5.4-nano')).toEqual([null, null, 0.5, null]);
  expect(got.get('claude-sonnet-4-5')).toEqual([null, null, null, null]);
  // Added by the seed at the start that ran the migration.
  expect(got.get('gpt-audio')).toEqual([32, 64, null, null]);
  for (const [id, v] of got) if (id !== 'gpt-4o') expect({ id, v }).toEqual({ id, v: seeded.get(id)!.map((x) => x ?? null) });
}

test('the seed prices gpt-audio and gpt-audio-mini\u2019s audio tokens and OpenAI\u2019s tiers', () => {
  const lite = new Database(':memory:');
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  runMigrations(db);
  seedDatabase(db, { now: NOW, adminPassword: 'pw-service-tier' });
  expect(lite.query(`SELECT id, input_price, output_price, ${COLUMNS.join(', ')} FROM models WHERE provider = 'openai' AND audio_input_price IS NOT NULL ORDER BY id`).all()).toEqual([
    { id: 'gpt-audio', input_price: 2.5, output_price: 10, audio_input_price: 32, audio_output_price: 64, flex_price_multiplier: null, priority_price_multiplier: null },
    { id: 'gpt-audio-mini', input_price: 0.6, output_price: 2.4, audio_input_price: 10, audio_output_price: 20, flex_price_multiplier: null, priority_price_multiplier: null },
  ]);
  const tiered = lite.query('SELECT id FROM models WHERE flex_price_multiplier IS NOT NULL ORDER BY id').all().map((r: any) => r.id);
  expect(tiered).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.4-mini', 'gpt-5.4-nano', 'o3', 'o4-mini']);
  lite.close();
});

test('SQLite: upgrading a seeded database gives unedited OpenAI models their multipliers only', () => {
  expectUpgraded(upgradedSqliteModels(MIGRATION, OLD_COLUMNS, oldRows(), { now: NOW, adminPassword: 'pw-service-tier' }));
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading a seeded database gives unedited OpenAI models their multipliers only', async () => {
    expectUpgraded(await upgradedPgModels(pg.url, MIGRATION, OLD_COLUMNS, oldRows(), 'pw-service-tier'));
  });
});
