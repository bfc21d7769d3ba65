import { afterEach, expect, test } from 'bun:test';
import { createLogSink } from '../../src/logging/log-sink';
import { createLogWriter } from '../../src/logging/log-writer';
import { DAY_MS, runRetention } from '../../src/logging/retention-runner';
import { ROLLUP_TABLES } from '../../src/logging/rollup-tables';
import { makeRecord, tempDb } from './log-test-helpers';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const NOW = Date.UTC(2026, 10, 25, 12);
// Every rollup table (hourly, daily, per model, per client) must come through a purge untouched.
const rollupTotals = (sqlite: import('bun:sqlite').Database) =>
  ROLLUP_TABLES.map((t) => [t.name, sqlite.query(`SELECT count(*) AS n, sum(requests) AS req, sum(prompt_tokens) AS p, round(sum(cost_usd), 9) AS cost FROM ${t.name}`).get()]);

function fill() {
  const t = tempDb();
  cleanups.push(t.cleanup);
  const writer = createLogWriter(t.sqlite);
  // 120 rows 40 days old, 30 rows from today
  writer.writeBatch(Array.from({ length: 120 }, (_, i) => makeRecord(i, NOW - 40 * DAY_MS + i * 1000)));
  writer.writeBatch(Array.from({ length: 30 }, (_, i) => makeRecord(1000 + i, NOW - i * 1000)));
  return { ...t, writer };
}

test('deletes only rows past the window, in small steps, and keeps the rollups', async () => {
  const { sqlite, writer } = fill();
  const before = rollupTotals(sqlite);
  const steps: number[] = [];
  const counting = { ...writer, deleteOlderThan: (c: number, l: number) => { const n = writer.deleteOlderThan(c, l); steps.push(n); return n; } };
  const deleted = await runRetention(counting, { retentionDays: 30, batch: 25, now: NOW });
  expect(deleted).toBe(120);
  expect(steps).toEqual([25, 25, 25, 25, 20]);
  expect((sqlite.query('SELECT count(*) AS n, min(created_at) AS oldest FROM request_logs').get() as any)).toEqual({ n: 30, oldest: NOW - 29_000 });
  expect(rollupTotals(sqlite)).toEqual(before);
});

test('retention off (0 days) deletes nothing', async () => {
  const { sqlite, writer } = fill();
  expect(await runRetention(writer, { retentionDays: 0, batch: 25, now: NOW })).toBe(0);
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as any).n).toBe(150);
});

test('the writer worker purges old rows at start', async () => {
  const { sqlite, path } = fill();
  const before = rollupTotals(sqlite);
  // The fixture's "today" may be in the past relative to the clock, so use a window that keeps it.
  const days = (Date.now() - NOW) / DAY_MS + 30;
  const sink = createLogSink({ dbPath: path, retentionDays: days, retentionBatch: 16 });
  await sink.runRetention();
  await sink.close();
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as any).n).toBe(30);
  expect(rollupTotals(sqlite)).toEqual(before);
});
