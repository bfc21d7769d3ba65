/**
 * The (model_requested, created_at) index (migration 0010 on SQLite, 0002 on PostgreSQL): the logs
 * list's model filter matches `model OR model_requested`, and with both columns indexed the paged
 * query stays an index search on both dialects (without it, PostgreSQL read the whole table for a
 * rare name). An upgraded database gets the index and keeps its rows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { runMigrations } from '../../src/db/migrate';
import { openPgStore } from '../../src/db/pg-store';
import { listLogs } from '../../src/logging/usage-queries';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { migrateSqliteBefore, upgradePgOver, withPgClient } from '../helpers/migrate-before';

const MIGRATION = 'logs_model_requested_idx';
const INDEX = 'request_logs_model_requested_created_idx';
/** The logs list's query with a model filter, as listLogs builds it (a page after an anchor row). */
const PAGED = `SELECT id FROM request_logs WHERE (model = $1 OR model_requested = $1) AND (created_at, id) < ($2, $3)
  ORDER BY created_at DESC, id DESC LIMIT 50`;


test('SQLite: upgrading adds the index; the filtered page searches both (model, created_at) indexes', () => {
  const lite = new Database(':memory:');
  const db = migrateSqliteBefore(lite, MIGRATION);
  lite.run(`INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, model, status) VALUES (1000, 'r-old', 'chat', 'fast-flow', 'deepseek-v4-flash', 200)`);
  runMigrations(db);
  const idx = lite.query(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(INDEX) as { sql: string } | null;
  expect(idx?.sql).toContain('`model_requested`,`created_at`');
  expect(lite.query(`SELECT request_id FROM request_logs WHERE model_requested = 'fast-flow'`).all()).toEqual([{ request_id: 'r-old' }]);
  const plan = (lite.query(`EXPLAIN QUERY PLAN ${PAGED.replaceAll('$1', '?1').replace('$2', '?2').replace('$3', '?3')}`).all('fast-flow', 2000, 5) as { detail: string }[])
    .map((r) => r.detail).join('\n');
  expect(plan).toContain(`USING INDEX ${INDEX} (model_requested=? AND created_at<?)`);
  expect(plan).toContain('USING INDEX request_logs_model_created_idx (model=? AND created_at<?)');
  expect(plan).not.toContain('SCAN request_logs');
  lite.close();
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading adds the index; a rare name is an index search, not a table read; listLogs finds rows by either name', async () => {
    await upgradePgOver(pg.url, MIGRATION, (client) =>
      client.unsafe(`INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, model, status) VALUES (1000, 'r-old', 'chat', 'fast-flow', 'deepseek-v4-flash', 200)`), 'pw-logs-filter');

    await withPgClient(pg.url, async (check) => {
      const [idx] = (await check.unsafe(`SELECT indexdef FROM pg_indexes WHERE tablename = 'request_logs' AND indexname = $1`, [INDEX])) as { indexdef: string }[];
      expect(idx?.indexdef).toContain('USING btree (model_requested, created_at)');
      // Enough rows (40 models, a group, a few unknown names) for the planner to weigh the indexes.
      await check.unsafe(`INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, model, status)
        SELECT 2000 + g, 'r' || g, 'chat',
          CASE WHEN g % 20 = 0 THEN 'fast-flow' WHEN g % 5000 = 1 THEN 'unknown-' || g ELSE 'm' || (g % 40) END,
          CASE WHEN g % 5000 = 1 THEN NULL ELSE 'm' || (g % 40) END, CASE WHEN g % 5000 = 1 THEN 404 ELSE 200 END
        FROM generate_series(1, 50000) g`);
      await check.unsafe('ANALYZE request_logs');
      const plan = ((await check.unsafe(`EXPLAIN ${PAGED}`, ['unknown-5001', 100000, 100000])) as Record<string, string>[])
        .map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain(INDEX);
      expect(plan).toContain('request_logs_model_created_idx');
      expect(plan).not.toContain('Seq Scan');
    });

    const store = openPgStore(pg.url);
    try {
      const byRequested = await listLogs(store, { model: 'unknown-5001', limit: 50 });
      expect(byRequested.map((r) => r.requestId)).toEqual(['r5001']);
      const byGroup = await listLogs(store, { model: 'fast-flow', limit: 1000 });
      expect(byGroup.length).toBe(1000);
      expect(byGroup.every((r) => r.modelRequested === 'fast-flow')).toBe(true);
      expect((await listLogs(store, { model: 'fast-flow', to: 2000, limit: 50 })).map((r) => r.requestId)).toEqual(['r-old']);
      const byUsed = await listLogs(store, { model: 'deepseek-v4-flash', limit: 50 });
      expect(byUsed.map((r) => r.requestId)).toEqual(['r-old']);
    } finally {
      await store.close();
    }
  });
});
