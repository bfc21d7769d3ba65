/**
 * The exact per-image prices of the token-billed image models (migration 0023 on SQLite, 0015 on
 * PostgreSQL): gpt-image-1 $0.04224 (1056 image tokens at $40 per 1M) instead of OpenAI's rounded
 * $0.042, gemini-2.5-flash-image $0.0387 (1290 tokens at $30 per 1M) instead of Google's rounded
 * $0.039. A database seeded by an earlier release gets them where the row still has the seeded
 * price and sends its seeded id; a price an admin changed, or a repointed row, stays as it was.
 * The prices expected are the seed's own (seedModelRows), so the migration's literals cannot drift from it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { seedModelRows } from '../../src/db/seed/model-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { OLD_MODEL_COLUMNS, oldModelRows, upgradedPgModels, upgradedSqliteModels } from '../helpers/migrate-before';

const MIGRATION = 'exact_image_prices';
const COLUMNS = OLD_MODEL_COLUMNS;
const NOW = Date.UTC(2026, 11, 1);
const PASSWORD = 'pw-exact-image-prices';
/** The per-image prices the earlier seed gave them. */
const OLD_PRICE: Record<string, number> = { 'gpt-image-1': 0.042, 'gemini-2.5-flash-image': 0.039 };

type SeedRow = ReturnType<typeof seedModelRows>[number];

/** The seed's rows as the earlier release stored them, `edit` applied to some as an admin did. */
function oldRows(edit: (r: SeedRow) => SeedRow): unknown[][] {
  return oldModelRows(seedModelRows(NOW).map((r) => edit(OLD_PRICE[r.id!] !== undefined ? { ...r, imagePrice: OLD_PRICE[r.id!]! } : r)), COLUMNS);
}
const repriced = (r: SeedRow): SeedRow => (r.id === 'gpt-image-1' ? { ...r, imagePrice: 0.05 } : r);
const repointed = (r: SeedRow): SeedRow => (r.id === 'gemini-2.5-flash-image' ? { ...r, upstreamId: 'gemini-2.5-flash-image-preview' } : r);

const imagePrices = (rows: Record<string, unknown>[]) =>
  Object.fromEntries(rows.filter((r) => r.image_price != null).map((r) => [r.id as string, Number(r.image_price)]));
const seeded = imagePrices(seedModelRows(NOW).map((r) => ({ id: r.id, image_price: r.imagePrice })));

test('the seed prices the two images at their tokens: 1056 x $40 and 1290 x $30 per 1M', () => {
  expect(seeded['gpt-image-1']).toBe(0.04224);
  expect(seeded['gemini-2.5-flash-image']).toBe(0.0387);
});

const SCENARIOS = [
  ['unedited', () => oldRows((r) => r), seeded],
  ['gpt-image-1 repriced, gemini-2.5-flash-image repointed', () => oldRows((r) => repointed(repriced(r))), { ...seeded, 'gpt-image-1': 0.05, 'gemini-2.5-flash-image': 0.039 }],
] as const;

for (const [label, rows, expected] of SCENARIOS) {
  test(`SQLite, ${label}: the seeded rows get the exact prices, edited ones stay`, () => {
    expect(imagePrices(upgradedSqliteModels(MIGRATION, COLUMNS, rows(), { now: NOW, adminPassword: PASSWORD }))).toEqual(expected);
  });
}

describe('PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    dbs.push(...(await Promise.all(SCENARIOS.map(() => createTestDatabase()))));
  });
  afterAll(async () => Promise.all(dbs.map((d) => d.drop())));

  SCENARIOS.forEach(([label, rows, expected], i) => {
    test(`${label}: the seeded rows get the exact prices, edited ones stay`, async () => {
      expect(imagePrices(await upgradedPgModels(dbs[i]!.url, MIGRATION, COLUMNS, rows(), PASSWORD))).toEqual(expected);
    });
  });
});
