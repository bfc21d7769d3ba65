/**
 * Anthropic's fast-mode and US-only inference multipliers (migration 0018 on SQLite, 0010 on
 * PostgreSQL): a new database gets them from the seed; an existing one gets them on the seeded
 * Claude models, where the row still sends its seeded id to Anthropic (a repointed row is left
 * at the standard prices). Without them a fast Opus 4.6 answer was billed a sixth of its price.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/bun-sqlite';
import * as sqliteSchema from '../../src/db/schema';
import { runMigrations } from '../../src/db/migrate';
import { seedDatabase } from '../../src/db/seed/seed';
import { FAST_MULTIPLIER, US_INFERENCE_MULTIPLIER, seedModelRows } from '../../src/db/seed/model-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { oldModelRows, upgradedPgModels, upgradedSqliteModels } from '../helpers/migrate-before';

const MIGRATION = 'fast_and_us_inference_prices';
const COLUMNS = [
  'id', 'provider', 'upstream_id', 'kind', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'image_price',
  'context_window', 'updated_at', 'cache_write_price', 'long_context_threshold', 'long_context_input_price', 'long_context_cached_input_price',
  'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price', 'audio_input_price', 'audio_output_price',
  'flex_price_multiplier', 'priority_price_multiplier', 'max_output_tokens',
] as const;
const NOW = Date.UTC(2026, 11, 1);

/** Seeded rows as the earlier release wrote them; claude-opus-4-7 repointed by an admin to another upstream id. */
function oldRows(): unknown[][] {
  return oldModelRows(seedModelRows(NOW).map((r) => (r.id === 'claude-opus-4-7' ? { ...r, upstreamId: 'claude-opus-4-7-custom' } : r)), COLUMNS);
}

const column = (rows: Record<string, unknown>[], name: string) =>
  Object.fromEntries(rows.filter((r) => r[name] != null).map((r) => [r.id as string, Number(r[name])]));

test('the seed gives Opus 4.6 fast mode at 6x and the 4.6-and-later models US-only inference at 1.1x, the others neither', () => {
  const lite = new Database(':memory:');
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  runMigrations(db);
  seedDatabase(db, { now: NOW, adminPassword: 'pw-fast-and-geo-upgrade' });
  const rows = lite.query('SELECT id, fast_price_multiplier, us_inference_price_multiplier FROM models').all() as Record<string, unknown>[];
  expect(column(rows, 'fast_price_multiplier')).toEqual({ ...FAST_MULTIPLIER });
  expect(column(rows, 'us_inference_price_multiplier')).toEqual({ ...US_INFERENCE_MULTIPLIER });
  expect(column(rows, 'fast_price_multiplier')['claude-opus-4-6']).toBe(6);
  expect(column(rows, 'us_inference_price_multiplier')['claude-sonnet-4-5']).toBeUndefined();
  lite.close();
});

/** The upgrade writes the seed's numbers, except on the row whose upstream id an admin changed. */
function expectUpgraded(rows: Record<string, unknown>[]) {
  const { 'claude-opus-4-7': _a, ...fast } = FAST_MULTIPLIER;
  const { 'claude-opus-4-7': _b, ...us } = US_INFERENCE_MULTIPLIER;
  expect(column(rows, 'fast_price_multiplier')).toEqual(fast);
  expect(column(rows, 'us_inference_price_multiplier')).toEqual(us);
}

test('SQLite: upgrading a seeded database gives the seeded Claude models their multipliers, not a repointed row', () => {
  expectUpgraded(upgradedSqliteModels(MIGRATION, COLUMNS, oldRows(), { now: NOW, adminPassword: 'pw-fast-and-geo-upgrade' }));
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading a seeded database gives the seeded Claude models their multipliers, not a repointed row', async () => {
    expectUpgraded(await upgradedPgModels(pg.url, MIGRATION, COLUMNS, oldRows(), 'pw-fast-and-geo-upgrade'));
  });
});
