/**
 * Writer benchmark (not a test): a burst of records through the real log sink and worker.
 * Reports rows/s until every row is committed, and how long write() ever held the main thread.
 *   bun bench/log-writer.ts            # 100k records
 *   bun bench/log-writer.ts --rows 5k  # quick smoke
 * Target: >= 50k rows/s, write() never a noticeable pause for the request path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/client';
import { runMigrations } from '../src/db/migrate';
import type { LogRow } from '../src/logging/log-row';
import { createLogSink } from '../src/logging/log-sink';
import { count } from './bench-args';

const rows = count('rows', 100_000);
const batchSize = count('batch', 500);
const dir = mkdtempSync(join(tmpdir(), 'gg-bench-writer-'));
const dbPath = join(dir, 'bench.db');
const { sqlite, db } = openDatabase(dbPath);
runMigrations(db);

const providers = ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'ollama'];
const now = Date.now();
// Built before timing: making a record is the request path's work, not the sink's.
const records: LogRow[] = Array.from({ length: rows }, (_, i) => ({
  createdAt: now - (rows - i),
  requestId: crypto.randomUUID(),
  clientId: (i % 20) + 1,
  endpoint: 'chat',
  modelRequested: `model-${i % 25}`,
  model: `model-${i % 25}`,
  provider: providers[i % providers.length]!,
  route: i % 10 === 0 ? 'dispatcher>heavy-logic>model-3' : null,
  stream: i % 2 === 0,
  status: i % 50 === 0 ? 502 : 200,
  errorType: i % 50 === 0 ? 'upstream_error' : null,
  error: i % 50 === 0 ? 'upstream returned 502 Bad Gateway' : null,
  promptTokens: 200 + (i % 900),
  cachedTokens: i % 3 === 0 ? 128 : 0,
  completionTokens: 50 + (i % 400),
  reasoningTokens: i % 4 === 0 ? 32 : 0,
  estimated: false,
  costUsd: 0.00042,
  latencyMs: 300 + (i % 700),
  ttfbMs: 120,
  overheadMs: 0.8,
}));

const sink = createLogSink({ dbPath, batchSize, maxQueue: Math.max(rows, 100_000) });
await Bun.sleep(100); // let the worker open its connection

const times = new Float64Array(rows);
const start = performance.now();
for (let i = 0; i < rows; i++) {
  const t0 = performance.now();
  sink.write(records[i]!);
  times[i] = performance.now() - t0;
}
const burstEnd = performance.now();
await sink.close();
const end = performance.now();

const stored = (sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n;
const rolled = (sqlite.query('SELECT sum(requests) AS n FROM usage_hourly').get() as { n: number }).n;
times.sort();
const slow = times.filter((t) => t > 1).length;
const ms = (x: number) => `${x.toFixed(3)} ms`;
console.log(`log writer: ${rows} records, batch ${batchSize}`);
console.log(`  burst of write() calls: ${ms(burstEnd - start)} total, p50 ${ms(times[Math.floor(rows * 0.5)]!)}, p99 ${ms(times[Math.floor(rows * 0.99)]!)}, p99.9 ${ms(times[Math.floor(rows * 0.999)]!)}, max ${ms(times[rows - 1]!)}`);
console.log(`  write() calls over 1 ms: ${slow} (each posts a batch: JSON.stringify + postMessage, or met a GC pause)`);
console.log(`  all committed after ${ms(end - start)}: ${Math.round(rows / ((end - start) / 1000)).toLocaleString('en')} rows/s (target >= 50,000)`);
console.log(`  stats ${JSON.stringify(sink.stats())}; rows in SQLite ${stored}; requests in rollups ${rolled}`);
sqlite.close();
rmSync(dir, { recursive: true, force: true });
if (stored !== rows || rolled !== rows) {
  console.error('  MISMATCH: not every record was written');
  process.exit(1);
}
