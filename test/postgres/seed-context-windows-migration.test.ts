/**
 * The context windows genai-prices lacks, kept by hand in the seed (SEED_CONTEXT_WINDOWS; migration
 * 0027 on SQLite, 0019 on PostgreSQL): gemini-2.5-pro's was NULL, so a budget's worst case and the
 * Responses API's `truncation: "auto"` took its window as unknown. A new database gets them from the
 * seed; one seeded by an earlier release gets them where the window is still NULL and the row sends
 * its seeded id; a window an admin set, or a repointed row, stays as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/bun-sqlite';
import * as sqliteSchema from '../../src/db/schema';
import { runMigrations } from '../../src/db/migrate';
import { migratePg } from '../../src/db/pg-store';
import { seedDatabase } from '../../src/db/seed/seed';
import { SEED_CONTEXT_WINDOWS, seedModelRows } from '../../src/db/seed/model-prices';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { OLD_MODEL_COLUMNS, oldModelRows, upgradedPgModels, upgradedSqliteModels, withPgClient } from '../helpers/migrate-before';

const MIGRATION = 'seed_context_windows';
const NOW = Date.UTC(2026, 11, 1);
const PASSWORD = 'pw-seed-context-windows';
/**
 * The seeded models left without a window: their provider documents none (the image models priced
 * per image), or only a limit per input (gemini-embedding-001's 2,048: a batch holds many).
 */
const UNSOURCED = ['dall-e-2', 'dall-e-3', 'gpt-image-1', 'grok-2-image-1212', 'gemini-embedding-001', 'imagen-3.0-generate-002', 'imagen-4.0-generate-001'];

type SeedRow = ReturnType<typeof seedModelRows>[number];
type Rows = Record<string, unknown>[];

const windows = (rows: Rows) => Object.fromEntries(rows.map((r) => [r.id as string, r.context_window == null ? null : Number(r.context_window)]));
const seeded = windows(seedModelRows(NOW).map((r) => ({ id: r.id, context_window: r.contextWindow })));
const unknownIds = (rows: Rows) => rows.filter((r) => r.context_window == null).map((r) => r.id as string).sort();

/** What a fresh database holds: the hand-kept windows, and NULL only where no window is documented. */
function expectFresh(rows: Rows) {
  const got = windows(rows);
  expect(got['gemini-2.5-pro']).toBe(1_048_576);
  expect(got['gemini-2.5-flash']).toBe(1_048_576);
  for (const [id, w] of Object.entries(SEED_CONTEXT_WINDOWS)) expect(got[id]).toBe(w);
  expect(unknownIds(rows)).toEqual([...UNSOURCED].sort());
}

test('SQLite: a fresh database has the hand-kept windows, NULL only where none is documented', () => {
  const lite = new Database(':memory:');
  try {
    const db = sqliteDrizzle(lite, { schema: sqliteSchema });
    runMigrations(db);
    seedDatabase(db, { now: NOW, adminPassword: PASSWORD });
    expectFresh(lite.query('SELECT id, context_window FROM models').all() as Rows);
  } finally {
    lite.close();
  }
});

/** The seed's rows as the earlier release stored them (no hand-kept windows, llama3's aside), `edit` applied as an admin did. */
function oldRows(edit: (r: SeedRow) => SeedRow): unknown[][] {
  const earlier = (r: SeedRow): SeedRow => (r.id !== 'llama3' && SEED_CONTEXT_WINDOWS[r.id!] !== undefined ? { ...r, contextWindow: null } : r);
  return oldModelRows(seedModelRows(NOW).map((r) => edit(earlier(r))), OLD_MODEL_COLUMNS);
}
const adminSet = (r: SeedRow): SeedRow => (r.id === 'gemini-2.5-pro' ? { ...r, contextWindow: 200_000 } : r);
const repointed = (r: SeedRow): SeedRow => (r.id === 'gemini-2.5-pro' ? { ...r, upstreamId: 'gemini-2.5-pro-preview-06-05' } : r);

const SCENARIOS = [
  ['windows still NULL', () => oldRows((r) => r), seeded],
  ['gemini-2.5-pro set by an admin', () => oldRows(adminSet), { ...seeded, 'gemini-2.5-pro': 200_000 }],
  ['gemini-2.5-pro repointed', () => oldRows(repointed), { ...seeded, 'gemini-2.5-pro': null }],
] as const;

for (const [label, rows, expected] of SCENARIOS) {
  test(`SQLite upgrade, ${label}: NULL windows filled, set or repointed rows kept`, () => {
    expect(windows(upgradedSqliteModels(MIGRATION, OLD_MODEL_COLUMNS, rows(), { now: NOW, adminPassword: PASSWORD }))).toEqual(expected);
  });
}

describe('PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    dbs.push(...(await Promise.all([...SCENARIOS, 'fresh'].map(() => createTestDatabase('gg_ctxwin')))));
  });
  afterAll(async () => Promise.all(dbs.map((d) => d.drop())));

  test('a fresh database has the hand-kept windows, NULL only where none is documented', async () => {
    const url = dbs[SCENARIOS.length]!.url;
    await migratePg(url, { adminPassword: PASSWORD });
    expectFresh(await withPgClient(url, async (c) => (await c.unsafe('SELECT id, context_window FROM models')) as Rows));
  });

  SCENARIOS.forEach(([label, rows, expected], i) => {
    test(`upgrade, ${label}: NULL windows filled, set or repointed rows kept`, async () => {
      expect(windows(await upgradedPgModels(dbs[i]!.url, MIGRATION, OLD_MODEL_COLUMNS, rows(), PASSWORD))).toEqual(expected);
    });
  });
});
