/**
 * The reads behind /api/clients, /api/teams, the Clients and Logs pages stay index seeks however
 * many keys and rows there are: each query they run is captured and its SQLite plan must search
 * an index by the key or the filtered column, never scan or walk a table's time range.
 * (Plans without ANALYZE statistics, as a gateway's own file has none.) Measurements at scale:
 * BENCHMARKS.md, "Session 15".
 */
import { afterAll, describe, expect, test } from 'bun:test';
import type { SQLQueryBindings } from 'bun:sqlite';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import { clientsLastUsed } from '../../src/admin/client-last-used';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import * as schema from '../../src/db/schema';
import { sqliteStore, type Store } from '../../src/db/store';
import { spendSince } from '../../src/limits/spend-queries';
import { listLogs } from '../../src/logging/usage-queries';

const { sqlite, db } = openDatabase(':memory:');
runMigrations(db);
afterAll(() => sqlite.close());

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / HOUR) * HOUR;
// A little of everything, so no table is empty: keys with raw rows, keys with only rollups left.
sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
  INSERT INTO clients (name, key_hash, key_prefix, created_at) SELECT 'c' || i, 'h' || i, 'p', ${now - 400 * 24 * HOUR} FROM n`);
sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)
  INSERT INTO request_logs (created_at, request_id, client_id, endpoint, model_requested, model, provider, status)
  SELECT ${now} - i * 60000, 'r' || i, 1 + i % 150, 'chat', 'm' || (i % 20), 'm' || (i % 20), 'openai', 200 FROM n`);
sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)
  INSERT OR IGNORE INTO usage_client_hourly (hour, client_id, requests) SELECT ${now} - (i % 2000) * ${HOUR}, 1 + i % 300, 1 FROM n`);
sqlite.exec(`INSERT INTO usage_client_daily (day, client_id, requests) SELECT (hour / 86400000) * 86400000, client_id, sum(requests) FROM usage_client_hourly GROUP BY 1, 2`);
sqlite.exec(`INSERT INTO usage_team_daily (day, team_id, requests) SELECT day, client_id % 7, sum(requests) FROM usage_client_daily GROUP BY 1, 2`);

/** The store, recording every raw query it runs with its arguments. */
function recordingStore(): { store: Store; queries: [string, readonly SQLQueryBindings[]][] } {
  const queries: [string, readonly SQLQueryBindings[]][] = [];
  const logged = drizzle(sqlite, { schema, logger: { logQuery: (q, p) => void queries.push([q, p as SQLQueryBindings[]]) } });
  const base = sqliteStore(sqlite, logged as never);
  return {
    queries,
    store: { ...base, all: (sql, args = []) => (queries.push([sql, args]), base.all(sql, args)) },
  };
}

const plan = ([sql, args]: [string, readonly SQLQueryBindings[]]) =>
  (sqlite.query(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('query plans at scale', () => {
  test("a key's or a team's period spend seeks its own rows (not every key's rows of the period)", async () => {
    const { store, queries } = recordingStore();
    await spendSince(store, 'c:5', now - 30 * 24 * HOUR);
    await spendSince(store, 'c:5', 0); // budget period 'total'
    await spendSince(store, 't:3', now - 30 * 24 * HOUR);
    expect(queries.map(plan)).toEqual([
      expect.stringContaining('USING INDEX usage_client_daily_client_idx (client_id=? AND day>?)'),
      expect.stringContaining('USING INDEX usage_client_daily_client_idx (client_id=?'),
      expect.stringContaining('USING INDEX usage_team_daily_team_idx (team_id=? AND day>?)'),
    ]);
  });

  test("last use: one seek per key in the raw rows and, for a key whose rows expired, one in usage_client_hourly", async () => {
    const { store, queries } = recordingStore();
    // Key 200 has no raw rows (only rollups): both reads run for it.
    const got = await clientsLastUsed(store, [{ id: 200, created_at: now - 400 * 24 * HOUR }]);
    expect(got.get(200)).toBeNumber();
    const plans = queries.map(plan);
    expect(plans).toHaveLength(2);
    expect(plans[0]).toContain('USING COVERING INDEX request_logs_client_created_idx (client_id=?)');
    expect(plans[1]).toContain('USING COVERING INDEX usage_client_hourly_client_idx (client_id=? AND hour>?)');
    for (const p of plans) expect(p).not.toMatch(/\bSCAN\b/);
  });

  test("the logs list's endpoint filter seeks that endpoint's rows in time order (no walk of every row, no sort)", async () => {
    const { store, queries } = recordingStore();
    expect(await listLogs(store, { endpoint: 'images', limit: 50 })).toEqual([]);
    const [p] = queries.map(plan);
    expect(p).toContain('USING INDEX request_logs_endpoint_created_idx (endpoint=?)');
    expect(p).not.toContain('TEMP B-TREE');
  });

  test("the logs list's model filter reads a page from each side's index, not every row of a popular model", async () => {
    const { store, queries } = recordingStore();
    const page = await listLogs(store, { model: 'm3', limit: 20 });
    expect(page).toHaveLength(20);
    const [p] = queries.map(plan);
    // Each side walks its (column, created_at) index newest first under a LIMIT of one page; the
    // old OR merged both indexes' whole runs (MULTI-INDEX OR) and sorted them all.
    expect(p).not.toContain('MULTI-INDEX OR');
    expect(p).toMatch(/CO-ROUTINE by_model \| SEARCH request_logs USING COVERING INDEX request_logs_model_created_idx \(model=\?\)/);
    expect(p).toMatch(/CO-ROUTINE by_requested \| SEARCH request_logs USING COVERING INDEX request_logs_model_requested_created_idx \(model_requested=\?\)/);
    expect(queries[0]![0]).toMatch(/ORDER BY "request_logs"."created_at" DESC, "request_logs"."id" DESC LIMIT \?\) AS by_model/);
  });
});
