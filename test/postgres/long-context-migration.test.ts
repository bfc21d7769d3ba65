/**
 * The long-context tier columns (migration 0009 on SQLite, 0001 on PostgreSQL): a new database
 * gets the tiers from the seed; an existing one gets them from the migration, for the seeded
 * models whose base prices are still the seed's, never for a row an admin repriced.
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

const TIER_MIGRATION = 'long_context_tier';
const TIER_COLUMNS = ['long_context_threshold', 'long_context_input_price', 'long_context_cached_input_price', 'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price'];
/** The models columns before the tier migration, as the seed of that time filled them. */
const OLD_COLUMNS = ['id', 'provider', 'upstream_id', 'kind', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'image_price', 'context_window', 'updated_at', 'cache_write_price'] as const;
const NOW = Date.UTC(2026, 11, 1);

/** Seeded rows as the seed wrote them before the tier existed; claude-sonnet-4-5's input price was edited by an admin. */
function oldRows(): unknown[][] {
  return oldModelRows(seedModelRows(NOW).map((r) => (r.id === 'claude-sonnet-4-5' ? { ...r, inputPrice: 2.9 } : r)), OLD_COLUMNS);
}

/** What the upgrade must leave: the seed's own tiers for unedited rows, no tier for the edited one. */
function expectUpgraded(rows: Record<string, unknown>[]) {
  const tiers = new Map(seedModelRows(NOW).map((r) => [r.id, [r.longContextThreshold, r.longContextInputPrice, r.longContextCachedInputPrice, r.longContextCacheWritePrice, r.longContextOutputPrice, r.longContextReasoningPrice]]));
  const got = new Map(rows.map((r) => [r.id as string, TIER_COLUMNS.map((c) => (r[c] == null ? null : Number(r[c])))]));
  expect(got.get('gemini-2.5-pro')).toEqual([200_001, 2.5, 0.25, null, 15, null]);
  expect(got.get('grok-4.3')).toEqual([200_000, 2.5, 0.4, null, 5, null]);
  expect(got.get('claude-sonnet-4-5')).toEqual([null, null, null, null, null, null]);
  for (const [id, tier] of got) if (id !== 'claude-sonnet-4-5') expect({ id, tier }).toEqual({ id, tier: tiers.get(id)!.map((v) => v ?? null) });
}

test('the seed carries genai-prices\u2019 tiers: Claude Sonnet 4.5, Gemini 2.5 Pro, Grok 4.3', () => {
  const lite = new Database(':memory:');
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  runMigrations(db);
  seedDatabase(db, { now: NOW, adminPassword: 'pw-long-context' });
  const tiered = lite.query(`SELECT id, ${TIER_COLUMNS.join(', ')} FROM models WHERE long_context_threshold IS NOT NULL ORDER BY id`).all();
  expect(tiered).toEqual([
    { id: 'claude-sonnet-4-5', long_context_threshold: 200_001, long_context_input_price: 6, long_context_cached_input_price: 0.6, long_context_cache_write_price: 7.5, long_context_output_price: 22.5, long_context_reasoning_price: null },
    { id: 'gemini-2.5-pro', long_context_threshold: 200_001, long_context_input_price: 2.5, long_context_cached_input_price: 0.25, long_context_cache_write_price: null, long_context_output_price: 15, long_context_reasoning_price: null },
    { id: 'grok-4.3', long_context_threshold: 200_000, long_context_input_price: 2.5, long_context_cached_input_price: 0.4, long_context_cache_write_price: null, long_context_output_price: 5, long_context_reasoning_price: null },
  ]);
  lite.close();
});

test('SQLite: upgrading a seeded database fills the tiers of unedited models only', () => {
  expectUpgraded(upgradedSqliteModels(TIER_MIGRATION, OLD_COLUMNS, oldRows()));
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading a seeded database fills the tiers of unedited models only; the start\u2019s seed leaves them', async () => {
    expectUpgraded(await upgradedPgModels(pg.url, TIER_MIGRATION, OLD_COLUMNS, oldRows(), 'pw-long-context'));
  });
});
