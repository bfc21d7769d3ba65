/**
 * Dashboard query benchmark (not a test): fills a database with synthetic request rows (10 million
 * by default, 30 days, rollups built the way the writer keeps them) and times the queries the
 * dashboard and /api run. Target: <= 100 ms each.
 *   bun bench/dashboard-queries.ts                     # 10m rows in a temp dir, removed after
 *   bun bench/dashboard-queries.ts --rows 200k         # quick smoke
 *   bun bench/dashboard-queries.ts --db /tmp/gg10m.db  # keep (or reuse) the filled file
 * Shape: --clients N (default 20) clients over --models M (default 24) models, each client
 * spreading its requests over --client-models K of them (default 4). The full rollups grow with
 * clients x K, so `--clients 200 --client-models 24` is the heavy case (4,800 keys per hour).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'bun:sqlite';
import { openDatabase } from '../src/db/client';
import { runMigrations } from '../src/db/migrate';
import { INSERT_LOG_SQL, logRowValues, rollupFromHourlySql } from '../src/logging/log-row-sql';
import { ROLLUP_FAMILIES, ROLLUP_TABLES } from '../src/logging/rollup-tables';
import { listLogs, usageBreakdown, usageSummary, usageTimeseries } from '../src/logging/usage-queries';
import { count, flag } from './bench-args';
import { sqliteStore } from '../src/db/store';

const rows = count('rows', 10_000_000);
const CLIENTS = count('clients', 20);
const MODEL_COUNT = count('models', 24);
const PER_CLIENT = Math.min(count('client-models', 4), MODEL_COUNT);
const keep = flag('db');
/** The finest rollup (usage_hourly's key and the row's team): the bulk load fills it first. */
const TEAM_HOURLY = ROLLUP_FAMILIES.find((f) => f.hourly.dims.includes('team_id'))!.hourly;
const dir = keep ? null : mkdtempSync(join(tmpdir(), 'gg-bench-dash-'));
const dbPath = keep ?? join(dir!, 'bench.db');
const reuse = !!keep && existsSync(keep);
const { sqlite, db } = openDatabase(dbPath);
runMigrations(db);

const DAY = 86_400_000;
const END = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const START = END - 30 * DAY;
const PROVIDERS = ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'ollama'];
const MODELS = Array.from({ length: MODEL_COUNT }, (_, i) => ({ provider: PROVIDERS[i % 6]!, model: `${PROVIDERS[i % 6]}-model-${i}` }));

function fill(db: Database): void {
  // Bulk load: indexes are built once at the end (far faster than maintaining them per row),
  // and no journal is needed for a throwaway file.
  const indexes = db.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'request_logs' AND sql IS NOT NULL").all() as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
  db.exec('PRAGMA journal_mode = OFF');
  db.exec('PRAGMA synchronous = OFF');
  const insert = db.prepare(INSERT_LOG_SQL);
  const step = (END - START) / rows;
  const chunk = 200_000;
  const t0 = performance.now();
  for (let base = 0; base < rows; base += chunk) {
    db.transaction(() => {
      for (let i = base; i < Math.min(base + chunk, rows); i++) {
        const client = (i * 7919) % CLIENTS;
        // each client spreads over its own PER_CLIENT models
        const m = MODELS[(client + ((i >> 3) % PER_CLIENT) * Math.floor(MODEL_COUNT / PER_CLIENT)) % MODEL_COUNT]!;
        const failed = i % 97 === 0;
        insert.run(...logRowValues({
          createdAt: Math.floor(START + i * step), requestId: `r${i}`, clientId: client + 1, teamId: client % 4 === 0 ? null : (client % 5) + 1, endpoint: 'chat', modelRequested: m.model,
          model: m.model, provider: m.provider, route: null, stream: (i & 1) === 1, status: failed ? 502 : 200,
          errorType: failed ? 'upstream_error' : null, error: failed ? 'upstream returned 502' : null,
          promptTokens: 200 + (i % 900), cachedTokens: i % 3 === 0 ? 128 : 0, completionTokens: 50 + (i % 400),
          reasoningTokens: i % 4 === 0 ? 32 : 0, estimated: false, costUsd: 0.0004 + (i % 10) * 0.0001,
          latencyMs: 300 + (i % 700), ttfbMs: 120, overheadMs: 0.8,
        }));
      }
    })();
    if ((base / chunk) % 10 === 9) console.log(`  ${(base + chunk).toLocaleString('en')} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`  rows inserted at ${Math.round(rows / ((performance.now() - t0) / 1000)).toLocaleString('en')} rows/s`);
  const t1 = performance.now();
  for (const ix of indexes) db.exec(ix.sql);
  console.log(`  indexes built in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const t2 = performance.now();
  // The same sums the writer keeps current batch by batch (see rollup-batch.ts), into the finest
  // table (the row's team on usage_hourly's key); every other rollup folds from it.
  db.exec(`INSERT INTO ${TEAM_HOURLY.name} (hour, team_id, provider, model, client_id, requests, errors, prompt_tokens, cached_tokens,
      completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum)
    SELECT (created_at / 3600000) * 3600000, coalesce(team_id, 0), coalesce(provider, ''), coalesce(model, model_requested), coalesce(client_id, 0),
      count(*), sum(status >= 400 OR error_type IS NOT NULL), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens),
      sum(reasoning_tokens), sum(cost_usd), sum(latency_ms), sum(overhead_ms)
    FROM request_logs GROUP BY 1, 2, 3, 4, 5`);
  for (const t of ROLLUP_TABLES.filter((t) => t !== TEAM_HOURLY)) db.exec(rollupFromHourlySql(t, TEAM_HOURLY.name));
  console.log(`  rollups built in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('ANALYZE');
}

const existing = (sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n;
if (reuse && existing > 0) console.log(`reusing ${dbPath}: ${existing.toLocaleString('en')} rows`);
else {
  console.log(`filling ${dbPath} with ${rows.toLocaleString('en')} rows over 30 days, ${CLIENTS} clients x ${PER_CLIENT} of ${MODELS.length} models`);
  fill(sqlite);
}
const total = (sqlite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).n;
const rollupRows = ROLLUP_TABLES.map((t) => `${t.name} ${(sqlite.query(`SELECT count(*) AS n FROM ${t.name}`).get() as { n: number }).n.toLocaleString('en')}`);
console.log(`database: ${total.toLocaleString('en')} raw rows; rollup rows: ${rollupRows.join(', ')}\n`);

const now = END;
// The dashboard's own "last 30 days": from a day boundary to just past now (see usage-range.ts).
const dash30 = { from: Math.floor((now - 30 * DAY) / DAY) * DAY + DAY, to: now + 1 };
// An API range that cuts both edge days mid-day.
const cut30 = { from: now - 30 * DAY + 7 * 3_600_000 + 123, to: now - 5 * 3_600_000 - 456 };
const store = sqliteStore(sqlite, db);
const lastPage = await listLogs(store, { limit: 50 });
const deepAnchor = (await listLogs(store, { limit: 1, to: now - 20 * DAY }))[0]?.id;
const cases: [string, () => unknown][] = [
  ['summary, all time', () => usageSummary(store)],
  ['summary, last 24 h', () => usageSummary(store, { from: now - DAY, to: now })],
  ['summary, last 30 days', () => usageSummary(store, { from: now - 30 * DAY, to: now })],
  ['summary, last 30 days, one client', () => usageSummary(store, { from: now - 30 * DAY, to: now, clientId: 3 })],
  ['time series, hourly, last 24 h', () => usageTimeseries(store, 'hour', { from: now - DAY, to: now })],
  ['time series, hourly, last 7 days', () => usageTimeseries(store, 'hour', { from: now - 7 * DAY, to: now })],
  ['time series, daily, last 30 days', () => usageTimeseries(store, 'day', { from: now - 30 * DAY, to: now })],
  ['time series, hourly, last 30 days', () => usageTimeseries(store, 'hour', { from: now - 30 * DAY, to: now })],
  ['time series, daily, dashboard 30 days', () => usageTimeseries(store, 'day', dash30)],
  ['time series, daily, 30 days cut mid-day', () => usageTimeseries(store, 'day', cut30)],
  ['time series, daily, 30 days, one provider', () => usageTimeseries(store, 'day', { from: now - 30 * DAY, to: now, provider: 'grok' })],
  ['time series, daily, 30 days, one client', () => usageTimeseries(store, 'day', { ...cut30, clientId: 3 })],
  ['breakdown by provider, 30 days', () => usageBreakdown(store, 'provider', { from: now - 30 * DAY, to: now })],
  ['breakdown by model, 30 days', () => usageBreakdown(store, 'model', { from: now - 30 * DAY, to: now })],
  ['breakdown by client, 30 days', () => usageBreakdown(store, 'client', { from: now - 30 * DAY, to: now })],
  ['breakdown by client, dashboard 30 days', () => usageBreakdown(store, 'client', dash30, 20)],
  ['breakdown by model, 30 days, one client', () => usageBreakdown(store, 'model', { ...cut30, clientId: 3 })],
  ['breakdown by client, 30 days, one model', () => usageBreakdown(store, 'client', { ...cut30, model: MODELS[5]!.model })],
  ['summary, 30 days, one client and model', () => usageSummary(store, { ...cut30, clientId: 3, model: MODELS[2]!.model })],
  ['summary, dashboard 30 days, one team', () => usageSummary(store, { ...dash30, teamId: 2 })],
  ['time series, hourly, last 7 days, one team', () => usageTimeseries(store, 'hour', { from: now - 7 * DAY, to: now, teamId: 2 })],
  ['time series, daily, dashboard 30 days, one team', () => usageTimeseries(store, 'day', { ...dash30, teamId: 2 })],
  ['breakdown by model, dashboard 30 days, one team', () => usageBreakdown(store, 'model', { ...dash30, teamId: 2 }, 20)],
  ['breakdown by client, dashboard 30 days, one team', () => usageBreakdown(store, 'client', { ...dash30, teamId: 2 }, 20)],
  ['logs page, newest 50', () => listLogs(store, { limit: 50 })],
  ['logs page 2 (before_id)', () => listLogs(store, { limit: 50, beforeId: lastPage.at(-1)?.id })],
  ['logs page deep in history (before_id)', () => listLogs(store, { limit: 50, beforeId: deepAnchor })],
  ['logs page, one client', () => listLogs(store, { limit: 50, clientId: 7 })],
  ['logs page, one team', () => listLogs(store, { limit: 50, teamId: 2 })],
  ['logs page, one team, a day 10 days ago', () => listLogs(store, { limit: 50, teamId: 2, from: now - 11 * DAY, to: now - 10 * DAY })],
  ['logs page, one model', () => listLogs(store, { limit: 50, model: MODELS[5]!.model })],
  ['logs page, errors only', () => listLogs(store, { limit: 50, status: 'error' })],
  ['logs page, status 502', () => listLogs(store, { limit: 50, status: 502 })],
  ['logs page, one provider, a day 10 days ago', () => listLogs(store, { limit: 50, provider: 'deepseek', from: now - 11 * DAY, to: now - 10 * DAY })],
];

let worst = 0;
for (const [name, run] of cases) {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  const median = times[3]!;
  worst = Math.max(worst, times[6]!);
  console.log(`${name.padEnd(46)} median ${median.toFixed(2).padStart(8)} ms   first ${first.toFixed(2).padStart(8)} ms   max ${times[6]!.toFixed(2).padStart(8)} ms`);
}
console.log(`\nslowest single run: ${worst.toFixed(1)} ms (target <= 100 ms)`);
sqlite.close();
if (dir) rmSync(dir, { recursive: true, force: true });
