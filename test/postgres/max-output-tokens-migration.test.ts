/**
 * The per-model output limit (migration 0017 on SQLite, 0009 on PostgreSQL): a new database gets
 * it from the seed; an existing one gets it on the seeded models whose limit is known, where the
 * row still sends its seeded id to its seeded provider (a row an admin repointed is left unknown).
 * Without it, Claude Code's max_tokens 32000 reached deepseek-chat as asked and DeepSeek refused it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/bun-sqlite';
import * as sqliteSchema from '../../src/db/schema';
import { runMigrations } from '../../src/db/migrate';
import { seedDatabase } from '../../src/db/seed/seed';
import { SEED_MAX_OUTPUT_TOKENS, seedModelRows } from '../../src/db/seed/model-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { oldModelRows, upgradedPgModels, upgradedSqliteModels } from '../helpers/migrate-before';

const MIGRATION = 'max_output_tokens';
const COLUMNS = [
  'id', 'provider', 'upstream_id', 'kind', 'enabled', 'input_price', 'cached_input_price', 'output_price', 'reasoning_price', 'image_price',
  'context_window', 'updated_at', 'cache_write_price', 'long_context_threshold', 'long_context_input_price', 'long_context_cached_input_price',
  'long_context_cache_write_price', 'long_context_output_price', 'long_context_reasoning_price', 'audio_input_price', 'audio_output_price',
  'flex_price_multiplier', 'priority_price_multiplier',
] as const;
const NOW = Date.UTC(2026, 11, 1);

/** Seeded rows as the earlier release wrote them (no output limit column); gpt-4o repointed by an admin to another upstream id. */
function oldRows(): unknown[][] {
  return oldModelRows(seedModelRows(NOW).map((r) => (r.id === 'gpt-4o' ? { ...r, upstreamId: 'gpt-4o-2024-11-20' } : r)), COLUMNS);
}

const limits = (rows: Record<string, unknown>[]) =>
  Object.fromEntries(rows.filter((r) => r.max_output_tokens != null).map((r) => [r.id as string, Number(r.max_output_tokens)]));

test('the seed gives the seeded models their documented output limit (deepseek-chat 8192), the others none', () => {
  const lite = new Database(':memory:');
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  runMigrations(db);
  seedDatabase(db, { now: NOW, adminPassword: 'pw-max-output' });
  const got = limits(lite.query('SELECT id, max_output_tokens FROM models').all() as Record<string, unknown>[]);
  expect(got).toEqual({ ...SEED_MAX_OUTPUT_TOKENS });
  expect(got['deepseek-chat']).toBe(8192);
  expect(got['deepseek-v4-pro']).toBeUndefined();
  lite.close();
});

/** The upgrade writes the seed's numbers, except on the row whose upstream id an admin changed. */
function expectUpgraded(rows: Record<string, unknown>[]) {
  const { 'gpt-4o': _repointed, ...rest } = SEED_MAX_OUTPUT_TOKENS;
  expect(limits(rows)).toEqual(rest);
}

test('SQLite: upgrading a seeded database gives the seeded models their output limit, not a repointed row', () => {
  expectUpgraded(upgradedSqliteModels(MIGRATION, COLUMNS, oldRows(), { now: NOW, adminPassword: 'pw-max-output' }));
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading a seeded database gives the seeded models their output limit, not a repointed row', async () => {
    expectUpgraded(await upgradedPgModels(pg.url, MIGRATION, COLUMNS, oldRows(), 'pw-max-output'));
  });
});
