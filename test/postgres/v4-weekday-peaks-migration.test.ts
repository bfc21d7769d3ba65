/**
 * DeepSeek V4's weekday peaks and stale flat prices (migration 0022 on SQLite, 0014 on PostgreSQL):
 * - a database seeded after 2026-08-17 whose V4 rows have the windows the seed and migration
 *   0021/0013 gave them (peaks every day) gets the seed's windows of today, Monday to Friday;
 * - one seeded before 2026-08-17 (V4's older flat price, and the every-day windows 0021/0013 gave
 *   it) also gets DeepSeek's off-peak price since then, so it bills today's price;
 * - a V4 row an admin repriced (which ended its windows) or repointed to another upstream id stays
 *   exactly as it was, old prices and every-day windows included.
 * The rows expected are the seed's own (seedModelRows), so the migration's literals cannot drift from it.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { seedModelRows } from '../../src/db/seed/model-prices';
import type { TimeOfDayWindow } from '../../src/usage/time-of-day-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { OLD_MODEL_COLUMNS, oldModelRows, upgradedPgModels, upgradedSqliteModels } from '../helpers/migrate-before';

setDefaultTimeout(30_000);

const MIGRATION = 'v4_weekday_peaks';
const COLUMNS = [...OLD_MODEL_COLUMNS, 'time_of_day_prices'] as const;
const NOW = Date.UTC(2026, 11, 1);
/** Before DeepSeek's V4 price change of 2026-08-17: the seed gave V4 its older flat prices. */
const BEFORE_V4_CHANGE = Date.UTC(2026, 5, 1);
const PASSWORD = 'pw-v4-weekday-upgrade';

type SeedRow = ReturnType<typeof seedModelRows>[number];

/**
 * The seed's rows at `seededAt` as the earlier release stored them: windows without days (its seed,
 * and what 0021/0013 wrote), as JSON text; `edit` changes some rows as an admin did.
 */
function oldRows(seededAt: number, edit: (r: SeedRow) => SeedRow): unknown[][] {
  const rows = seedModelRows(seededAt).map((r) => {
    const windows = (r.timeOfDayPrices as TimeOfDayWindow[] | null)?.map(({ days: _d, ...w }) => w);
    return edit({ ...r, timeOfDayPrices: (windows ? JSON.stringify(windows) : null) as any });
  });
  return oldModelRows(rows, COLUMNS);
}

/** An admin repriced deepseek-v4-pro's output (which cleared its windows). */
const repriced = (r: SeedRow): SeedRow => (r.id === 'deepseek-v4-pro' ? { ...r, outputPrice: 0.9, timeOfDayPrices: null } : r);
/** An admin repointed deepseek-v4-pro to another upstream id (its seeded prices and windows kept). */
const repointed = (r: SeedRow): SeedRow => (r.id === 'deepseek-v4-pro' ? { ...r, upstreamId: 'deepseek-v4-pro-custom' } : r);

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];
const priceOf = (r: Record<string, unknown>) => [r.input_price, r.cached_input_price, r.output_price].map(Number);
/** A seed row's flat input, cache-read and output prices. */
const seedPriceOf = (r: SeedRow) => [r.inputPrice, r.cachedInputPrice, r.outputPrice].map(Number);
const windowsOf = (r: Record<string, unknown>) => (r.time_of_day_prices == null ? null : JSON.parse(String(r.time_of_day_prices)));
const row = (rows: Record<string, unknown>[], id: string) => rows.find((r) => r.id === id)!;

/** deepseek-v4-flash has today's seeded prices and windows (Monday to Friday); the edited rows are as they were. */
function expectUpgraded(rows: Record<string, unknown>[], old: unknown[][]) {
  const today = seedModelRows(NOW).find((r) => r.id === 'deepseek-v4-flash')!;
  const flash = row(rows, 'deepseek-v4-flash');
  expect(priceOf(flash)).toEqual([0.22, 0.007, 0.66]);
  expect(priceOf(flash)).toEqual(seedPriceOf(today));
  expect(windowsOf(flash)).toEqual(today.timeOfDayPrices);
  expect(windowsOf(flash).map((w: TimeOfDayWindow) => [w.start, w.end, w.input_price, w.output_price, w.days])).toEqual([
    ['01:00', '04:00', 0.44, 1.32, WEEKDAYS],
    ['06:00', '10:00', 0.44, 1.32, WEEKDAYS],
  ]);
  // The edited V4 row, and V3's every-day nights, are exactly as they were.
  for (const id of ['deepseek-v4-pro', 'deepseek-chat', 'deepseek-reasoner']) {
    const r = row(rows, id);
    const o = old.find((x) => x[0] === id)!;
    expect([r.upstream_id, ...priceOf(r), r.time_of_day_prices ?? null]).toEqual([o[2], ...[o[5], o[6], o[7]].map(Number), o[COLUMNS.indexOf('time_of_day_prices')] ?? null]);
  }
  expect(windowsOf(row(rows, 'deepseek-reasoner'))[0]).not.toHaveProperty('days');
}

const SCENARIOS = [
  ['seeded today, deepseek-v4-pro repriced', () => oldRows(NOW, repriced)],
  ['seeded today, deepseek-v4-pro repointed', () => oldRows(NOW, repointed)],
  ['seeded before V4’s 2026-08-17 prices, deepseek-v4-pro repriced', () => oldRows(BEFORE_V4_CHANGE, repriced)],
  ['seeded before V4’s 2026-08-17 prices, deepseek-v4-pro repointed', () => oldRows(BEFORE_V4_CHANGE, repointed)],
] as const;

test('the rows given are the earlier release’s: V4 at its old prices before 2026-08-17, peaks on every day', () => {
  const old = oldRows(BEFORE_V4_CHANGE, repointed);
  const [flash, pro] = ['deepseek-v4-flash', 'deepseek-v4-pro'].map((id) => old.find((r) => r[0] === id)!);
  expect(flash!.slice(5, 8)).toEqual([0.14, 0.0028, 0.28]);
  expect(pro!.slice(5, 8)).toEqual([0.435, 0.003625, 0.87]);
  expect(pro![2]).toBe('deepseek-v4-pro-custom');
  for (const r of [flash!, pro!]) expect(JSON.parse(String(r[COLUMNS.indexOf('time_of_day_prices')])).map((w: TimeOfDayWindow) => w.days)).toEqual([undefined, undefined]);
});

for (const [label, rows] of SCENARIOS) {
  test(`SQLite, ${label}: the seeded V4 row gets today's prices and the weekday peaks; the edited one stays`, () => {
    const old = rows();
    expectUpgraded(upgradedSqliteModels(MIGRATION, COLUMNS, old, { now: NOW, adminPassword: PASSWORD }), old);
  });
}

test('SQLite: an unedited database seeded before 2026-08-17 ends with both V4 rows exactly as the seed makes them today', () => {
  const rows = upgradedSqliteModels(MIGRATION, COLUMNS, oldRows(BEFORE_V4_CHANGE, (r) => r), { now: NOW, adminPassword: PASSWORD });
  for (const today of seedModelRows(NOW).filter((r) => r.id!.startsWith('deepseek-v4'))) {
    const r = row(rows, today.id!);
    expect(priceOf(r)).toEqual(seedPriceOf(today));
    expect(windowsOf(r)).toEqual(today.timeOfDayPrices);
  }
});

describe('PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    dbs.push(...(await Promise.all(SCENARIOS.map(() => createTestDatabase()))));
  });
  afterAll(async () => Promise.all(dbs.map((d) => d.drop())));

  SCENARIOS.forEach(([label, rows], i) => {
    test(`${label}: the seeded V4 row gets today's prices and the weekday peaks; the edited one stays`, async () => {
      const old = rows();
      expectUpgraded(await upgradedPgModels(dbs[i]!.url, MIGRATION, COLUMNS, old, PASSWORD), old);
    });
  });
});
