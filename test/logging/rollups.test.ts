import { afterEach, expect, test } from 'bun:test';
import { runMigrations } from '../../src/db/migrate';
import { embeddedMigrations } from '../../src/db/migrations.gen';
import { createLogWriter } from '../../src/logging/log-writer';
import { rollupBatch } from '../../src/logging/rollup-batch';
import { MEASURES, ROLLUP_TABLES, type RollupTable } from '../../src/logging/rollup-tables';
import { DAY_MS, runRetention } from '../../src/logging/retention-runner';
import { mixedRecords, RAW_KEY, RAW_SUMS, tempDb } from './log-test-helpers';
import type { Database } from 'bun:sqlite';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function db() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  return t;
}

const START = Date.UTC(2026, 10, 20, 21, 17, 5);
const MEASURE_COLS = `requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens,
  round(cost_usd, 9) AS cost_usd, round(latency_ms_sum, 6) AS latency_ms_sum, round(overhead_ms_sum, 6) AS overhead_ms_sum`;
const bucketMs = (t: RollupTable) => (t.time === 'hour' ? 3_600_000 : DAY_MS);

/** A rollup table's rows, and the same rows computed from the raw request_logs. */
function rollupVsRaw(sqlite: Database, t: RollupTable) {
  const key = [t.time, ...t.dims];
  const stored = sqlite.query(`SELECT ${key.join(', ')}, ${MEASURE_COLS} FROM ${t.name} ORDER BY ${key.join(', ')}`).all();
  const rawKey = [`(created_at / ${bucketMs(t)}) * ${bucketMs(t)} AS ${t.time}`, ...t.dims.map((d) => `${RAW_KEY[d]} AS ${d}`)];
  const raw = sqlite
    .query(`SELECT ${rawKey.join(', ')}, ${RAW_SUMS} FROM request_logs GROUP BY ${key.map((_, i) => i + 1).join(', ')} ORDER BY ${key.map((_, i) => i + 1).join(', ')}`)
    .all();
  return { stored, raw };
}

test('the writer keeps the hourly, daily and per-dimension rollups, classifier calls, errors and missing keys included', () => {
  expect(ROLLUP_TABLES.map((t) => t.name).sort()).toEqual([
    'usage_client_daily', 'usage_client_hourly', 'usage_daily', 'usage_hourly', 'usage_model_daily', 'usage_model_hourly', 'usage_team_daily',
    'usage_team_full_daily', 'usage_team_full_hourly',
  ]);
  const { sqlite } = db();
  const writer = createLogWriter(sqlite);
  const records = mixedRecords(3000, START); // ~15 days
  // Uneven batches, so most rollup rows are updated by later batches (the ON CONFLICT path).
  for (let i = 0, size = 1; i < records.length; i += size, size = (size * 7) % 613 + 1) writer.writeBatch(records.slice(i, i + size));
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n).toBe(3000);
  for (const t of ROLLUP_TABLES) {
    const { stored, raw } = rollupVsRaw(sqlite, t);
    expect({ table: t.name, rows: stored }).toEqual({ table: t.name, rows: raw });
  }
  const days = sqlite.query('SELECT count(DISTINCT day) AS n FROM usage_daily').get() as { n: number };
  expect(days.n).toBe(16);
  // Refused-before-routing records are keyed '' / requested name / client 0, not dropped:
  // 131 of them (every 23rd), 3 of which are also classifier calls (every 50th), so 128 requests.
  expect(sqlite.query("SELECT sum(requests) AS n FROM usage_daily WHERE provider = '' AND model = 'no-such-model' AND client_id = 0").get()).toEqual({ n: 128 });
});

test('a failed batch leaves no rollup touched (one transaction for rows and every rollup)', () => {
  const { sqlite } = db();
  const writer = createLogWriter(sqlite);
  writer.writeBatch(mixedRecords(50, START));
  const snapshot = () => ROLLUP_TABLES.map((t) => sqlite.query(`SELECT * FROM ${t.name} ORDER BY 1, 2`).all());
  const before = snapshot();
  const bad = mixedRecords(60, START);
  bad[59] = { ...bad[59]!, requestId: null as unknown as string }; // NOT NULL violation on the last row
  expect(() => writer.writeBatch(bad)).toThrow();
  expect(snapshot()).toEqual(before);
});

test('the migration backfills the new rollups from usage_hourly history (raw rows may be gone)', () => {
  const { sqlite, db: drizzleDb } = (() => {
    const t = db();
    // tempDb ran every migration; start over with a second file that only has the first one.
    const path = t.path.replace(/gophergate\.db$/, 'old.db');
    const { openDatabase } = require('../../src/db/client') as typeof import('../../src/db/client');
    const opened = openDatabase(path);
    cleanups.unshift(() => opened.sqlite.close());
    return opened;
  })();
  const first = embeddedMigrations[0]!;
  (drizzleDb as any).dialect.migrate(
    [{ sql: first.sql.split('--> statement-breakpoint'), bps: first.breakpoints, folderMillis: first.when, hash: new Bun.CryptoHasher('sha256').update(first.sql).digest('hex') }],
    (drizzleDb as any).session, {},
  );
  expect(sqlite.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'usage_daily'").get()).toEqual({ n: 0 });
  // An old writer: raw rows plus usage_hourly only, without the columns later migrations added
  // (cache_write_tokens, the last delta value).
  const oldCols = ['hour', 'provider', 'model', 'client_id', ...MEASURES.slice(0, -1)];
  const upsert = sqlite.prepare(`INSERT INTO usage_hourly (${oldCols.join(', ')}) VALUES (${oldCols.map(() => '?').join(',')})`);
  const records = mixedRecords(1500, START);
  sqlite.transaction(() => {
    for (const d of rollupBatch(records)) upsert.run(...(d.slice(0, -1) as [number]));
  })();
  runMigrations(drizzleDb);
  const hourlyKey = { hour: 'hour', provider: 'provider', model: 'model', client_id: 'client_id', team_id: 'team_id' } as const;
  // usage_team_daily is not folded from usage_hourly (which has no team): team-spend-migration.test.ts.
  for (const t of ROLLUP_TABLES.slice(1).filter((t) => !t.dims.includes('team_id'))) {
    const key = [t.time === 'hour' ? 'hour' : `(hour / ${DAY_MS}) * ${DAY_MS}`, ...t.dims.map((d) => hourlyKey[d])];
    const expected = sqlite.query(`SELECT ${key.map((k, i) => `${k} AS k${i}`).join(', ')},
        sum(requests) AS requests, sum(errors) AS errors, sum(prompt_tokens) AS prompt_tokens, round(sum(cost_usd), 9) AS cost
      FROM usage_hourly GROUP BY ${key.map((_, i) => i + 1).join(', ')} ORDER BY ${key.map((_, i) => i + 1).join(', ')}`).all();
    const stored = sqlite.query(`SELECT ${[t.time, ...t.dims].map((k, i) => `${k} AS k${i}`).join(', ')},
        requests, errors, prompt_tokens, round(cost_usd, 9) AS cost FROM ${t.name} ORDER BY ${[t.time, ...t.dims].join(', ')}`).all();
    expect(stored.length).toBeGreaterThan(0);
    expect({ table: t.name, rows: stored }).toEqual({ table: t.name, rows: expected });
  }
});

test('retention deletes raw rows and keeps every rollup table as it was', async () => {
  const { sqlite } = db();
  const writer = createLogWriter(sqlite);
  writer.writeBatch(mixedRecords(2000, START)); // ~10 days
  const all = () => ROLLUP_TABLES.map((t) => [t.name, sqlite.query(`SELECT * FROM ${t.name} ORDER BY 1, 2, 3`).all()]);
  const before = all();
  const deleted = await runRetention(writer, { retentionDays: 5, batch: 100, now: START + 10 * DAY_MS });
  expect(deleted).toBeGreaterThan(900);
  expect((sqlite.query('SELECT min(created_at) AS m FROM request_logs').get() as { m: number }).m).toBeGreaterThanOrEqual(START + 5 * DAY_MS);
  expect(all()).toEqual(before);
});
