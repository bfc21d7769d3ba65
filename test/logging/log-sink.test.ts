import { afterEach, expect, test } from 'bun:test';
import { createLogSink, type WorkerLogSink } from '../../src/logging/log-sink';
import { logRowBytes, type LogRow } from '../../src/logging/log-row';
import { HOUR_MS } from '../../src/logging/log-row-sql';
import { makeRecord, tempDb, waitFor } from './log-test-helpers';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(opts: Partial<Parameters<typeof createLogSink>[0]> = {}) {
  const t = tempDb();
  const sink: WorkerLogSink = createLogSink({ dbPath: t.path, batchSize: 200, flushMs: 20, ...opts });
  cleanups.push(t.cleanup, () => sink.close());
  return { ...t, sink };
}

test('10k records are all written, in rows and in the hourly rollups', async () => {
  const { sink, sqlite } = setup();
  const base = Date.UTC(2026, 10, 25, 10, 0, 0);
  const published: LogRow[] = [];
  sink.onWritten((rs) => published.push(...rs));
  for (let i = 0; i < 10_000; i++) sink.write(makeRecord(i, base + (i % 7) * (HOUR_MS / 2)));
  await sink.close();
  expect(sink.stats()).toEqual({ depth: 0, dropped: 0, written: 10_000 });
  expect(published.length).toBe(10_000);
  expect(new Set(published.map((r) => r.requestId)).size).toBe(10_000);
  const raw = sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number };
  expect(raw.n).toBe(10_000);

  // Rollups equal the raw rows' sums per hour x provider x model x client.
  const fromRaw = sqlite.query(`
    SELECT (created_at / 3600000) * 3600000 AS hour, coalesce(provider,'') AS provider, coalesce(model, model_requested) AS model,
      coalesce(client_id, 0) AS client_id,
      sum(endpoint != 'classifier') AS requests,
      sum(endpoint != 'classifier' AND (status >= 400 OR error_type IS NOT NULL)) AS errors,
      sum(prompt_tokens) AS p, sum(cached_tokens) AS c, sum(completion_tokens) AS o, sum(reasoning_tokens) AS r,
      round(sum(cost_usd), 9) AS cost
    FROM request_logs GROUP BY 1,2,3,4 ORDER BY 1,2,3,4`).all();
  const rollups = sqlite.query(`
    SELECT hour, provider, model, client_id, requests, errors, prompt_tokens AS p, cached_tokens AS c,
      completion_tokens AS o, reasoning_tokens AS r, round(cost_usd, 9) AS cost
    FROM usage_hourly ORDER BY 1,2,3,4`).all();
  expect(rollups.length).toBeGreaterThan(10);
  expect(rollups).toEqual(fromRaw);
  const hours = sqlite.query('SELECT count(DISTINCT hour) AS n FROM usage_hourly').get() as { n: number };
  expect(hours.n).toBe(4);
});

test('a written row keeps every field of its record', async () => {
  const { sink, sqlite } = setup();
  const rec: LogRow = {
    ...makeRecord(3, 1_764_000_000_123), parentRequestId: 'parent-1', attempts: '[{"provider":"openai","status":502}]',
    images: 2, body: null, route: 'a>b>c',
    queueMs: 12.5,
  };
  sink.write(rec);
  await sink.close();
  const row = sqlite.query('SELECT * FROM request_logs').get() as Record<string, unknown>;
  expect(row).toMatchObject({
    created_at: 1_764_000_000_123, request_id: 'req-3', parent_request_id: 'parent-1', client_id: rec.clientId,
    endpoint: 'chat', model: rec.model, provider: rec.provider, route: 'a>b>c', attempts: rec.attempts,
    stream: 0, status: rec.status, prompt_tokens: rec.promptTokens, cached_tokens: rec.cachedTokens,
    completion_tokens: rec.completionTokens, reasoning_tokens: rec.reasoningTokens, images: 2,
    estimated: 0, cost_usd: rec.costUsd, latency_ms: rec.latencyMs, ttfb_ms: 20, overhead_ms: 1.5, body: null,
    queue_ms: 12.5,
  });
});

test('close() right after writes, with batches in flight, loses none', async () => {
  const { sink, sqlite } = setup({ batchSize: 50, flushMs: 10_000 });
  for (let i = 0; i < 1234; i++) sink.write(makeRecord(i));
  // 24 batches already posted, 34 records still on the main thread behind a long flush timer.
  expect(sink.stats().depth).toBe(1234);
  await sink.close();
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n).toBe(1234);
  expect(sink.stats()).toEqual({ depth: 0, dropped: 0, written: 1234 });
});

test('a full queue drops and counts, warns once, and never blocks', async () => {
  const warnings: string[] = [];
  const { sink, sqlite } = setup({ maxQueue: 100, batchSize: 1000, warn: (m) => warnings.push(m) });
  // Synchronous burst: the worker cannot acknowledge anything until this loop yields.
  for (let i = 0; i < 250; i++) sink.write(makeRecord(i));
  expect(sink.stats().dropped).toBe(150);
  expect(sink.stats().depth).toBe(100);
  expect(warnings.length).toBe(1);
  expect(warnings[0]).toContain('log queue full');
  await sink.close();
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n).toBe(100);
  expect(sink.stats()).toEqual({ depth: 0, dropped: 150, written: 100 });
  sink.write(makeRecord(1));
  expect(sink.stats().dropped).toBe(151);
});

test('a queue of large rows (stored bodies) is bounded by size too: past it rows are dropped and counted, the rest written', async () => {
  const warnings: string[] = [];
  const { sink, sqlite } = setup({ maxQueueBytes: 100_000, batchSize: 1000, warn: (m) => warnings.push(m) });
  const body = 'b'.repeat(10_000);
  // Synchronous burst: nothing is acknowledged meanwhile. 50 rows are far under maxQueue (100k rows).
  for (let i = 0; i < 50; i++) sink.write({ ...makeRecord(i), body });
  const accepted = Math.floor(100_000 / logRowBytes({ ...makeRecord(0), body }));
  expect(sink.stats().depth).toBe(accepted);
  expect(sink.stats().dropped).toBe(50 - accepted);
  expect(warnings[0]).toContain('log queue full');
  await sink.close();
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n).toBe(accepted);
});

test('the size of written rows is given back: a steady flow of large rows is never dropped', async () => {
  const { sink, sqlite } = setup({ maxQueueBytes: 100_000, batchSize: 5, flushMs: 5 });
  const body = 'b'.repeat(10_000);
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 5; i++) sink.write({ ...makeRecord(round * 5 + i), body });
    await waitFor(() => sink.stats().depth === 0);
  }
  expect(sink.stats()).toEqual({ depth: 0, dropped: 0, written: 50 });
  await sink.close();
  expect((sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n).toBe(50);
});

test('the flush timer posts a partial batch without close()', async () => {
  const { sink } = setup({ batchSize: 1000, flushMs: 10 });
  const seen: LogRow[] = [];
  sink.onWritten((rs) => seen.push(...rs));
  sink.write(makeRecord(1));
  sink.write(makeRecord(2));
  await waitFor(() => seen.length === 2);
  expect(sink.stats().written).toBe(2);
});

test('a batch that cannot be written is counted as dropped, not lost silently', async () => {
  const warnings: string[] = [];
  const { sink, sqlite } = setup({ warn: (m) => warnings.push(m) });
  sink.write(makeRecord(1));
  await waitFor(() => sink.stats().written === 1);
  // The worker's statements are prepared; losing a table under them makes the next commit fail.
  sqlite.exec('DROP TABLE usage_hourly');
  sink.write(makeRecord(2));
  await sink.close();
  expect(sink.stats()).toEqual({ dropped: 1, written: 1, depth: 0 });
  expect(warnings[0]).toContain('could not commit');
  // all-or-nothing: the failed batch's raw row went back out with its rollup
  expect((sqlite.query('SELECT request_id FROM request_logs').all() as { request_id: string }[]).map((r) => r.request_id)).toEqual(['req-1']);
});

/** Makes every insert fail with SQLite's disk-full message while the `full` table holds a row. */
function diskFullSwitch(sqlite: import('bun:sqlite').Database) {
  sqlite.exec(`CREATE TABLE full (x INTEGER);
    CREATE TRIGGER disk_full BEFORE INSERT ON request_logs WHEN EXISTS (SELECT 1 FROM full) BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
  return { on: () => sqlite.exec('INSERT INTO full VALUES (1)'), off: () => sqlite.exec('DELETE FROM full') };
}

test('a full disk keeps the rows and retries: none is dropped, /health-style stats say why until they are written', async () => {
  const { sink, sqlite } = setup();
  const disk = diskFullSwitch(sqlite);
  disk.on();
  for (let i = 1; i <= 3; i++) sink.write(makeRecord(i));
  await waitFor(() => sink.stats().error !== undefined);
  expect(sink.stats()).toEqual({ depth: 3, dropped: 0, written: 0, error: expect.stringContaining('disk is full') });
  sink.write(makeRecord(4));
  await Bun.sleep(100); // a retry or two fail meanwhile
  expect(sink.stats()).toMatchObject({ dropped: 0, written: 0, depth: 4 });
  disk.off();
  await waitFor(() => sink.stats().written === 4, 15_000);
  expect(sink.stats()).toEqual({ depth: 0, dropped: 0, written: 4 });
  const ids = (sqlite.query('SELECT request_id FROM request_logs ORDER BY request_id').all() as { request_id: string }[]).map((r) => r.request_id);
  expect(ids).toEqual(['req-1', 'req-2', 'req-3', 'req-4']);
});

test('shutdown while the disk is full: the kept rows get one last try, then are counted as dropped', async () => {
  const { sink, sqlite } = setup();
  const disk = diskFullSwitch(sqlite);
  disk.on();
  sink.write(makeRecord(1));
  await waitFor(() => sink.stats().error !== undefined);
  await sink.close();
  expect(sink.stats()).toMatchObject({ depth: 0, dropped: 1, written: 0 });
});
