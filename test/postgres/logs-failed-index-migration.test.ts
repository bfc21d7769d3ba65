/**
 * The failed rows' partial index (migration 0026 on SQLite, 0018 on PostgreSQL): the logs list's
 * status=error filter (the dashboard's "errors" view, GET /api/logs?status=error) over a range with
 * few failures among many rows walked the whole created_at range; it now walks the failed rows
 * only. An upgraded database gets the index and keeps its rows; the query listLogs really sends
 * (captured through drizzle's logger) is a search of that index on both dialects, and finds both
 * kinds of failed row (an error status, and a 200 whose stream failed later: error_type set).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import * as schema from '../../src/db/schema';
import { runMigrations } from '../../src/db/migrate';
import { openPgStore } from '../../src/db/pg-store';
import { pgPlaceholders } from '../../src/db/store';
import { listLogs } from '../../src/logging/usage-queries';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { migrateSqliteBefore, upgradePgOver, withPgClient } from '../helpers/migrate-before';

setDefaultTimeout(30_000);

const MIGRATION = 'failed_rows_index';
const INDEX = 'request_logs_failed_created_idx';
/** 2,000 rows a minute apart: all 200 but r500 (a 502) and r1500 (a 200 with a stream error). */
const ROWS = `(created_at, request_id, endpoint, model_requested, model, status, error_type)`;
const failed = (i: number) => (i === 500 ? [502, 'upstream_error'] : i === 1500 ? [200, 'stream_error'] : [200, null]);

/** The SQL and parameters listLogs sends for status=error (on a SQLite handle of `lite`), and what it found. */
async function errorQuery(lite: Database): Promise<{ sql: string; params: unknown[]; rows: { requestId: string }[] }> {
  const seen: { sql: string; params: unknown[] }[] = [];
  const db = drizzle(lite, { schema, logger: { logQuery: (sql, params) => void seen.push({ sql, params }) } });
  const rows = await listLogs({ db } as any, { status: 'error', limit: 50 });
  expect(seen.length).toBe(1);
  return { ...seen[0]!, rows };
}

test('SQLite: upgrading adds the index; status=error searches it instead of walking every row, and finds both failed rows', async () => {
  const lite = new Database(':memory:');
  const db = migrateSqliteBefore(lite, MIGRATION);
  const insert = lite.prepare(`INSERT INTO request_logs ${ROWS} VALUES (?, ?, 'chat', 'm', 'm', ?, ?)`);
  for (let i = 0; i < 2000; i++) insert.run(60_000 * i, `r${i}`, ...(failed(i) as [number, string | null]));
  const planOf = (q: { sql: string; params: unknown[] }) =>
    (lite.query(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.params as any[])) as { detail: string }[]).map((r) => r.detail).join('\n');
  expect(planOf(await errorQuery(lite))).not.toContain(INDEX);

  runMigrations(db);
  const idx = lite.query(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(INDEX) as { sql: string } | null;
  expect(idx?.sql).toContain('WHERE');
  const q = await errorQuery(lite);
  expect(planOf(q)).toContain(`USING INDEX ${INDEX}`);
  expect(planOf(q)).not.toContain('TEMP B-TREE');
  expect(q.rows.map((r) => r.requestId)).toEqual(['r1500', 'r500']);
  lite.close();
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading adds the index; status=error is a search of it; listLogs finds the failed rows', async () => {
    await upgradePgOver(pg.url, MIGRATION, (client) =>
      client.unsafe(`INSERT INTO request_logs ${ROWS} VALUES (1000, 'r-old', 'chat', 'm', 'm', 500, 'upstream_error')`), 'pw-logs-failed');

    // The query listLogs sends, as drizzle writes it for SQLite, with PostgreSQL's placeholders.
    const lite = new Database(':memory:');
    runMigrations(drizzle(lite, { schema }));
    const q = await errorQuery(lite);
    lite.close();

    await withPgClient(pg.url, async (check) => {
      const [idx] = (await check.unsafe(`SELECT indexdef FROM pg_indexes WHERE tablename = 'request_logs' AND indexname = $1`, [INDEX])) as { indexdef: string }[];
      expect(idx?.indexdef).toContain('WHERE');
      await check.unsafe(`INSERT INTO request_logs ${ROWS}
        SELECT 2000 + g, 'r' || g, 'chat', 'm', 'm', CASE WHEN g = 7 THEN 429 ELSE 200 END, CASE WHEN g = 7 THEN 'rate_limited' WHEN g = 9 THEN 'stream_error' END FROM generate_series(1, 50000) g`);
      await check.unsafe('ANALYZE request_logs');
      const plan = ((await check.unsafe(`EXPLAIN ${pgPlaceholders(q.sql)}`, q.params as any[])) as Record<string, string>[]).map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain(INDEX);
      expect(plan).not.toContain('Seq Scan');
    });

    const store = openPgStore(pg.url);
    try {
      expect((await listLogs(store, { status: 'error', limit: 50 })).map((r) => r.requestId)).toEqual(['r9', 'r7', 'r-old']);
    } finally {
      await store.close();
    }
  });
});
