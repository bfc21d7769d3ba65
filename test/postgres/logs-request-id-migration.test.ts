/**
 * The request_id index (migration 0019 on SQLite, 0011 on PostgreSQL): a request's row is looked
 * up by the id its answer carried (x-request-id): GET /api/logs?request_id=, the dashboard's Logs
 * filter, PostgreSQL's check whether a batch committed. Without the index each of those read the
 * whole table. An upgraded database gets the index and keeps its rows, and the query listLogs
 * really sends (captured through drizzle's logger) is an index search on both dialects.
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

const MIGRATION = 'request_logs_request_id_idx';
const INDEX = 'request_logs_request_id_idx';

/** The SQL and parameters listLogs sends for one request id's row (on a SQLite handle of `lite`). */
async function listLogsQuery(lite: Database, requestId: string): Promise<{ sql: string; params: unknown[]; rows: unknown[] }> {
  const seen: { sql: string; params: unknown[] }[] = [];
  const db = drizzle(lite, { schema, logger: { logQuery: (sql, params) => void seen.push({ sql, params }) } });
  const rows = await listLogs({ db } as any, { requestId, limit: 50 });
  expect(seen.length).toBe(1);
  expect(seen[0]!.sql).toContain('"request_id" = ?');
  return { ...seen[0]!, rows };
}

test('SQLite: upgrading adds the index; listLogs by request id searches it instead of reading the table', async () => {
  const lite = new Database(':memory:');
  const db = migrateSqliteBefore(lite, MIGRATION);
  const insert = lite.prepare(`INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, model, status) VALUES (?, ?, 'chat', 'm', 'm', 200)`);
  for (let i = 0; i < 2000; i++) insert.run(1000 + i, `r${i}`);
  const before = await listLogsQuery(lite, 'r1234');
  const planOf = (q: { sql: string; params: unknown[] }) =>
    (lite.query(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.params as any[])) as { detail: string }[]).map((r) => r.detail).join('\n');
  // What it was before the migration: the created_at index walked whole (or the table scanned).
  expect(planOf(before)).not.toContain(INDEX);

  runMigrations(db);
  const idx = lite.query(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(INDEX) as { sql: string } | null;
  expect(idx?.sql).toContain('(`request_id`)');
  lite.run('ANALYZE');
  const q = await listLogsQuery(lite, 'r1234');
  const plan = planOf(q);
  expect(plan).toContain(`USING INDEX ${INDEX} (request_id=?)`);
  expect(plan).not.toContain('SCAN request_logs');
  expect((q.rows as { requestId: string; createdAt: number }[]).map((r) => [r.requestId, r.createdAt])).toEqual([['r1234', 2234]]);
  expect((await listLogsQuery(lite, 'r-none')).rows).toEqual([]);
  lite.close();
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('upgrading adds the index; the lookups by request id are index searches; listLogs finds the row', async () => {
    await upgradePgOver(pg.url, MIGRATION, (client) =>
      client.unsafe(`INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, model, status) VALUES (1000, 'r-old', 'chat', 'm', 'm', 200)`), 'pw-logs-request-id');

    // The query listLogs sends, as drizzle writes it for SQLite, with PostgreSQL's placeholders.
    const lite = new Database(':memory:');
    runMigrations(drizzle(lite, { schema }));
    const q = await listLogsQuery(lite, 'r20001');
    lite.close();

    await withPgClient(pg.url, async (check) => {
      const [idx] = (await check.unsafe(`SELECT indexdef FROM pg_indexes WHERE tablename = 'request_logs' AND indexname = $1`, [INDEX])) as { indexdef: string }[];
      expect(idx?.indexdef).toContain('USING btree (request_id)');
      await check.unsafe(`INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, model, status)
        SELECT 2000 + g / 10, 'r' || g, 'chat', 'm', 'm', 200 FROM generate_series(1, 50000) g`);
      await check.unsafe('ANALYZE request_logs');
      const explain = async (sql: string, params: unknown[]) =>
        ((await check.unsafe(`EXPLAIN ${sql}`, params as any[])) as Record<string, string>[]).map((r) => r['QUERY PLAN']).join('\n');
      const listed = await explain(pgPlaceholders(q.sql), q.params);
      expect(listed).toContain(INDEX);
      expect(listed).not.toContain('Seq Scan');
      // The PostgreSQL log sink's check whether a batch committed (logging/pg-log-sink.ts committedBefore).
      const committed = await explain('SELECT 1 FROM request_logs WHERE created_at = $1::bigint AND request_id = $2::text LIMIT 1', [4000, 'r20001']);
      expect(committed).not.toContain('Seq Scan');
    });

    const store = openPgStore(pg.url);
    try {
      expect((await listLogs(store, { requestId: 'r20001', limit: 50 })).map((r) => [r.requestId, r.createdAt])).toEqual([['r20001', 4000]]);
      expect((await listLogs(store, { requestId: 'r-old', limit: 50 })).map((r) => r.requestId)).toEqual(['r-old']);
      expect(await listLogs(store, { requestId: 'r-none', limit: 50 })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
