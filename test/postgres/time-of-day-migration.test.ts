/**
 * DeepSeek's time-of-day prices (migration 0021 on SQLite, 0013 on PostgreSQL): a new database gets
 * them from the seed; an existing one gets the seed's windows on the four seeded DeepSeek models
 * where the row still has the flat prices the seed gave it (V4's from after 2026-08-17 or from
 * before) and sends its seeded id to DeepSeek. A row whose price an admin changed, or that was
 * repointed to another upstream id, keeps its one price. The windows written are the seed's own
 * (timeOfDayWindows), so the migration's literal JSON cannot drift from it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/bun-sqlite';
import * as sqliteSchema from '../../src/db/schema';
import { runMigrations } from '../../src/db/migrate';
import { seedDatabase } from '../../src/db/seed/seed';
import { seedModelRows } from '../../src/db/seed/model-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { OLD_MODEL_COLUMNS, oldModelRows, upgradedPgModels, upgradedSqliteModels } from '../helpers/migrate-before';

setDefaultTimeout(30_000);

const MIGRATION = 'time_of_day_prices';
const COLUMNS = OLD_MODEL_COLUMNS;
const NOW = Date.UTC(2026, 11, 1);
/** Before DeepSeek's V4 price change of 2026-08-17: the seed gave V4 its older flat prices. */
const BEFORE_V4_CHANGE = Date.UTC(2026, 5, 1);

/** The windows each seeded row gets from the seed at `now` (JSON as stored, parsed). */
const seededWindows = (now: number) =>
  Object.fromEntries(seedModelRows(now).filter((r) => r.timeOfDayPrices).map((r) => [r.id, r.timeOfDayPrices]));

/** The windows of the rows that have them, each as its JSON parsed (both dialects store text). */
const windowsOf = (rows: Record<string, unknown>[]) =>
  Object.fromEntries(rows.filter((r) => r.time_of_day_prices != null).map((r) => [r.id as string, JSON.parse(String(r.time_of_day_prices))]));

/**
 * Seeded rows as the earlier release wrote them at `seededAt`: deepseek-chat with an admin's input
 * price, deepseek-reasoner repointed to another upstream id.
 */
function oldRows(seededAt: number): unknown[][] {
  return oldModelRows(
    seedModelRows(seededAt).map((r) =>
      r.id === 'deepseek-chat' ? { ...r, inputPrice: 0.3 } : r.id === 'deepseek-reasoner' ? { ...r, upstreamId: 'deepseek-reasoner-custom' } : r,
    ),
    COLUMNS,
  );
}

/** The upgrade gives V4 Flash and Pro the seed's windows; the edited and repointed rows keep one price. */
function expectUpgraded(rows: Record<string, unknown>[], seededAt: number) {
  const { 'deepseek-chat': _c, 'deepseek-reasoner': _r, ...v4 } = seededWindows(seededAt);
  expect(Object.keys(v4).sort()).toEqual(['deepseek-v4-flash', 'deepseek-v4-pro']);
  expect(windowsOf(rows)).toEqual(v4);
  const flash = rows.find((r) => r.id === 'deepseek-v4-flash')!;
  expect(JSON.parse(String(flash.time_of_day_prices)).map((w: any) => [w.start, w.end, w.input_price, w.output_price])).toEqual([
    ['01:00', '04:00', 0.44, 1.32],
    ['06:00', '10:00', 0.44, 1.32],
  ]);
}

test('the seed gives the four DeepSeek models their windows, V3 over midnight, no other model any', () => {
  const lite = new Database(':memory:');
  const db = sqliteDrizzle(lite, { schema: sqliteSchema });
  runMigrations(db);
  seedDatabase(db, { now: NOW, adminPassword: 'pw-time-of-day-upgrade' });
  const rows = lite.query('SELECT id, time_of_day_prices FROM models').all() as Record<string, unknown>[];
  const windows = windowsOf(rows);
  expect(windows).toEqual(seededWindows(NOW));
  expect(Object.keys(windows).sort()).toEqual(['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
  expect(windows['deepseek-chat'].map((w: any) => [w.start, w.end, w.input_price])).toEqual([['16:30', '00:30', 0.135]]);
  lite.close();
});

for (const [label, seededAt] of [['seeded today', NOW], ['seeded before V4’s 2026-08-17 prices', BEFORE_V4_CHANGE]] as const) {
  test(`SQLite, ${label}: the seeded V4 rows get the seed's windows, not an edited or repointed row`, () => {
    expectUpgraded(upgradedSqliteModels(MIGRATION, COLUMNS, oldRows(seededAt), { now: NOW, adminPassword: 'pw-time-of-day-upgrade' }), seededAt);
  });
}

test('SQLite: an unedited database gets all four, exactly the seed’s', () => {
  const rows = upgradedSqliteModels(MIGRATION, COLUMNS, oldModelRows(seedModelRows(NOW), COLUMNS), { now: NOW, adminPassword: 'pw-time-of-day-upgrade' });
  expect(windowsOf(rows)).toEqual(seededWindows(NOW));
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  let pgAll: TestDatabase;
  beforeAll(async () => {
    [pg, pgAll] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => Promise.all([pg?.drop(), pgAll?.drop()]));

  test('the seeded V4 rows get the seed’s windows, not an edited or repointed row (seeded before V4’s 2026-08-17 prices)', async () => {
    expectUpgraded(await upgradedPgModels(pg.url, MIGRATION, COLUMNS, oldRows(BEFORE_V4_CHANGE), 'pw-time-of-day-upgrade'), BEFORE_V4_CHANGE);
  });

  test('an unedited database gets all four, exactly the seed’s', async () => {
    const rows = await upgradedPgModels(pgAll.url, MIGRATION, COLUMNS, oldModelRows(seedModelRows(NOW), COLUMNS), 'pw-time-of-day-upgrade');
    expect(windowsOf(rows)).toEqual(seededWindows(NOW));
  });
});
