/**
 * The PostgreSQL log writer with two instances writing the same rollup rows at once: every
 * rollup table equals a scan of the raw rows (additive upserts, no lost update, no deadlock).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { migratePg } from '../../src/db/pg-store';
import type { LogRow } from '../../src/logging/log-row';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { ROLLUP_TABLES, DAY_MS, HOUR_MS } from '../../src/logging/rollup-tables';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migratePg(db.url);
}, 60_000);
afterAll(async () => db?.drop());

const START = Date.UTC(2026, 10, 1, 22, 0, 0);

function record(i: number, instance: string): LogRow {
  const failed = i % 13 === 0;
  return {
    createdAt: START + ((i * 7_919) % (3 * HOUR_MS)), // three hours across a day boundary
    requestId: `${instance}-${i}`,
    clientId: i % 5 === 0 ? null : (i % 3) + 1,
    endpoint: i % 17 === 0 ? 'classifier' : 'chat',
    modelRequested: 'm',
    model: ['gpt-4o-mini', 'deepseek-chat', null][i % 3]!,
    provider: ['openai', 'deepseek', null][i % 3]!,
    route: null,
    stream: i % 2 === 0,
    status: failed ? 502 : 200,
    errorType: failed ? 'upstream_error' : null,
    error: null,
    promptTokens: 10 + (i % 50),
    cachedTokens: i % 4,
    completionTokens: 5 + (i % 30),
    reasoningTokens: i % 7,
    estimated: i % 11 === 0,
    costUsd: 0.0001 * (i % 9),
    latencyMs: 100 + (i % 300),
    ttfbMs: null,
    overheadMs: 0.5,
    instance,
    teamId: i % 4 === 0 ? null : ((i >> 3) % 2) + 1,
  };
}

test('two writers upserting the same rollup rows: every rollup table equals the raw rows', async () => {
  const N = 1500;
  const clients = [new SQL({ url: db.url, max: 2 }), new SQL({ url: db.url, max: 2 })];
  const sinks = clients.map((c) => createPgLogSink(c, { batchSize: 100, flushMs: 5, retentionDays: 0 }));
  // Interleaved writes, so both writers' transactions hit the same keys at the same time.
  for (let i = 0; i < N; i++) {
    sinks[0]!.write(record(i, 'a'));
    sinks[1]!.write(record(i, 'b'));
    if (i % 200 === 0) await Bun.sleep(1);
  }
  await Promise.all(sinks.map((s) => s.close()));
  for (const s of sinks) expect(s.stats()).toEqual({ depth: 0, dropped: 0, written: N });
  await Promise.all(clients.map((c) => c.close()));

  const sql = new SQL(db.url);
  try {
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM request_logs`;
    expect(n).toBe(2 * N);
    const [{ inst }] = await sql`SELECT count(DISTINCT instance)::int AS inst FROM request_logs`;
    expect(inst).toBe(2);
    for (const t of ROLLUP_TABLES) {
      const size = t.time === 'hour' ? HOUR_MS : DAY_MS;
      const dims = t.dims.map((d) => (d === 'client_id' || d === 'team_id' ? `coalesce(${d}, 0)` : d === 'model' ? "coalesce(model, model_requested, '')" : "coalesce(provider, '')"));
      const raw = await sql.unsafe(
        `SELECT (created_at / ${size}) * ${size} AS k0, ${dims.map((d, i) => `${d} AS k${i + 1}`).join(', ')},
           sum(CASE WHEN endpoint <> 'classifier' THEN 1 ELSE 0 END)::float8 AS requests,
           sum(CASE WHEN endpoint <> 'classifier' AND (status >= 400 OR error_type IS NOT NULL) THEN 1 ELSE 0 END)::float8 AS errors,
           sum(prompt_tokens)::float8 AS prompt_tokens, sum(completion_tokens)::float8 AS completion_tokens, round(sum(cost_usd)::numeric, 9)::float8 AS cost_usd
         FROM request_logs GROUP BY 1, ${dims.map((_, i) => i + 2).join(', ')} ORDER BY 1, ${dims.map((_, i) => i + 2).join(', ')}`,
      );
      const rolled = await sql.unsafe(
        `SELECT ${t.time} AS k0, ${t.dims.map((d, i) => `${d} AS k${i + 1}`).join(', ')}, requests::float8 AS requests, errors::float8 AS errors,
           prompt_tokens::float8 AS prompt_tokens, completion_tokens::float8 AS completion_tokens, round(cost_usd::numeric, 9)::float8 AS cost_usd
         FROM ${t.name} ORDER BY ${[t.time, ...t.dims].map((_, i) => i + 1).join(', ')}`,
      );
      // bigint ids come back as text: compared as numbers.
      const ids = t.dims.flatMap((d, i) => (d === 'client_id' || d === 'team_id' ? [`k${i + 1}`] : []));
      const norm = (rows: any[]) => rows.map((r) => ({ ...r, k0: Number(r.k0), ...Object.fromEntries(ids.map((k) => [k, Number(r[k])])) }));
      expect({ table: t.name, rows: norm([...rolled]) }).toEqual({ table: t.name, rows: norm([...raw]) });
    }
  } finally {
    await sql.close();
  }
}, 120_000);

test('a row PostgreSQL refuses is dropped alone: the rest of its batch and their rollups are written', async () => {
  const client = new SQL({ url: db.url, max: 2 });
  const warnings: string[] = [];
  const sink = createPgLogSink(client, { batchSize: 50, flushMs: 5, retryMs: 1, retentionDays: 0, warn: (m) => warnings.push(m) });
  const rows = Array.from({ length: 10 }, (_, i) => record(i, 'refusal'));
  // Tokens past bigint: SQLite would keep it as a real, PostgreSQL refuses the statement.
  rows[4] = { ...rows[4]!, promptTokens: 1e20 };
  // Text PostgreSQL cannot hold (U+0000, a lone surrogate) is written as U+FFFD, not refused.
  rows[6] = { ...rows[6]!, modelRequested: 'a\u0000b\ud800c', error: 'x\u0000' };
  for (const r of rows) sink.write(r);
  await sink.close();
  await client.close();
  expect(sink.stats()).toEqual({ depth: 0, dropped: 1, written: 9 });
  expect(warnings.join('\n')).toContain('PostgreSQL refused a log row');
  const sql = new SQL(db.url);
  try {
    const got = await sql`SELECT request_id, model_requested, error FROM request_logs WHERE instance = 'refusal' ORDER BY request_id`;
    expect(got.map((r: any) => r.request_id)).toEqual(rows.filter((_, i) => i !== 4).map((r) => r.requestId).sort());
    expect(got.find((r: any) => r.request_id === 'refusal-6')).toMatchObject({ model_requested: 'a\uFFFDb\uFFFDc', error: 'x\uFFFD' });
  } finally {
    await sql.close();
  }
}, 60_000);

test('while PostgreSQL is away, waiting rows are bounded by size too; once it is back the kept ones are written', async () => {
  const url = new URL(db.url);
  const writer = new SQL({ url: db.url, max: 1, connectionTimeout: 2 });
  // Away first: the rows wait. A queue of 100 KB; each row carries a 10 KB body (stored bodies).
  const away = new SQL({ url: `postgres://${url.username || 'postgres'}@127.0.0.1:1/${url.pathname.slice(1)}`, max: 1, connectionTimeout: 1 });
  const sink = createPgLogSink(away, { maxQueueBytes: 100_000, batchSize: 1000, flushMs: 5, retryMs: 50, retentionDays: 0, closeTimeoutMs: 200, warn: () => {} });
  const body = 'b'.repeat(10_000);
  for (let i = 0; i < 50; i++) sink.write({ ...record(i, 'bytes'), body });
  const accepted = sink.stats().depth;
  expect(accepted).toBeGreaterThan(0);
  expect(accepted).toBeLessThanOrEqual(10);
  expect(sink.stats().dropped).toBe(50 - accepted);
  await sink.close();
  await away.close();
  // The bound gives its room back as rows are written: a steady flow through a reachable PostgreSQL drops none.
  const live = createPgLogSink(writer, { maxQueueBytes: 100_000, batchSize: 5, flushMs: 5, retentionDays: 0, warn: () => {} });
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 5; i++) live.write({ ...record(1000 + round * 5 + i, 'bytes-live'), body });
    for (let t = 0; t < 400 && live.stats().depth > 0; t++) await Bun.sleep(10);
  }
  await live.close();
  expect(live.stats()).toMatchObject({ depth: 0, dropped: 0, written: 50 });
  await writer.close();
}, 30_000);
