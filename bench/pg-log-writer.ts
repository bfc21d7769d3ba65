/**
 * The PostgreSQL log writer alone: rows per second into a throwaway database on the machine's
 * PostgreSQL (PG_TEST_URL or postgres://postgres@127.0.0.1:5432/postgres), with the rollups.
 * `bun bench/pg-log-writer.ts [--rows 50000] [--writers 1]`
 */
import { SQL } from 'bun';
import { migratePg } from '../src/db/pg-store';
import type { LogRow } from '../src/logging/log-row';
import { createPgLogSink } from '../src/logging/pg-log-sink';
import { count } from './bench-args';

const rows = count('rows', 50_000);
const writers = count('writers', 1);
const server = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `gg_bench_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
const admin = new SQL({ url: server, max: 1 });
await admin.unsafe(`CREATE DATABASE "${name}"`);
await admin.close();
const u = new URL(server);
u.pathname = `/${name}`;
const url = u.toString();
try {
  await migratePg(url);
  const body = 'x'.repeat(600); // about 1 KB per row with the other columns
  const rec = (i: number, w: number): LogRow => ({
    createdAt: Date.now() - (i % 3600) * 1000, requestId: `${w}-${i}-${crypto.randomUUID()}`, clientId: (i % 50) + 1, endpoint: 'chat',
    modelRequested: 'gpt-4o-mini', model: ['gpt-4o-mini', 'deepseek-chat', 'grok-4'][i % 3]!, provider: ['openai', 'deepseek', 'grok'][i % 3]!,
    route: null, stream: true, status: 200, errorType: null, error: null, promptTokens: 120, cachedTokens: 0, completionTokens: 80,
    reasoningTokens: 0, estimated: false, costUsd: 0.0003, latencyMs: 420, ttfbMs: 90, overheadMs: 0.4, body, instance: `w${w}`,
  });
  const clients = Array.from({ length: writers }, () => new SQL({ url, max: 2 }));
  const sinks = clients.map((c) => createPgLogSink(c, { retentionDays: 0, maxQueue: rows + 1, closeTimeoutMs: 600_000 }));
  const t0 = performance.now();
  for (let i = 0; i < rows; i++) for (let w = 0; w < writers; w++) sinks[w]!.write(rec(i, w));
  await Promise.all(sinks.map((s) => s.close()));
  const s = (performance.now() - t0) / 1000;
  const dropped = sinks.reduce((a, k) => a + k.stats().dropped, 0);
  console.log(`${writers} writer(s), ${rows * writers} rows of ~1 KB: ${s.toFixed(2)} s, ${Math.round((rows * writers) / s)} rows/s, dropped ${dropped}`);
  await Promise.all(clients.map((c) => c.close()));
} finally {
  const dropper = new SQL({ url: server, max: 1 });
  await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await dropper.close();
}
process.exit(0);
