import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import type { LogRow } from '../../src/logging/log-row';

/** A fresh SQLite file with the real migrations; `cleanup` removes its folder. */
export function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'gg-logs-'));
  const path = join(dir, 'gophergate.db');
  const { sqlite, db } = openDatabase(path);
  runMigrations(db);
  return { path, sqlite, db, cleanup: () => { sqlite.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const PROVIDERS = ['openai', 'deepseek', 'grok', 'gemini'] as const;
const MODELS: Record<string, string[]> = {
  openai: ['gpt-4o', 'gpt-4o-mini'], deepseek: ['deepseek-chat'], grok: ['grok-3-mini'], gemini: ['gemini-2.5-flash'],
};

/** A varied but deterministic record: i picks provider, model, client, status and tokens. */
export function makeRecord(i: number, createdAt = Date.now()): LogRow {
  const provider = PROVIDERS[i % PROVIDERS.length]!;
  const models = MODELS[provider]!;
  const failed = i % 17 === 0;
  return {
    createdAt,
    requestId: `req-${i}`,
    clientId: (i % 3) + 1,
    endpoint: i % 50 === 0 ? 'classifier' : 'chat',
    modelRequested: i % 5 === 0 ? 'dispatcher' : models[(i >> 2) % models.length]!,
    model: models[(i >> 2) % models.length]!,
    provider,
    route: i % 5 === 0 ? `dispatcher>${models[0]}` : null,
    stream: i % 2 === 0,
    status: failed ? 502 : 200,
    errorType: failed ? 'upstream_error' : null,
    error: failed ? 'upstream returned 502' : null,
    promptTokens: 100 + (i % 97),
    cachedTokens: i % 4 === 0 ? 64 : 0,
    completionTokens: 20 + (i % 31),
    reasoningTokens: i % 7 === 0 ? 10 : 0,
    estimated: i % 11 === 0,
    costUsd: (100 + (i % 97)) * 2.5e-6,
    latencyMs: 50 + (i % 13),
    ttfbMs: 20,
    overheadMs: 1.5,
  };
}

/** Polls until `cond` holds (or fails after `ms`); for waiting on the worker, never for timing. */
export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await Bun.sleep(5);
  }
}

/**
 * A mixed batch for rollup tests: makeRecord's variety spread irregularly over `days` days from
 * `start` (7 min 13 s apart, so hours and days are cut at odd places), plus records with no
 * client, no provider and no concrete model (refused before routing), all of them errors; teams
 * change within a client's rows and some rows have none.
 */
export function mixedRecords(n: number, start: number): LogRow[] {
  return Array.from({ length: n }, (_, i) => {
    // Teams vary within a client over time (keys moved between teams; some rows with none).
    const r = { ...makeRecord(i, start + i * 433_000), teamId: i % 4 === 0 ? null : ((i >> 3) % 2) + 1 };
    if (i % 23 !== 0) return r;
    return { ...r, clientId: null, provider: null, model: null, modelRequested: 'no-such-model', status: 404, errorType: 'not_found', costUsd: 0 };
  });
}

/** SQL expression over request_logs for each rollup key column (how the writer keys a record). */
export const RAW_KEY = {
  provider: "coalesce(provider, '')",
  model: 'coalesce(model, model_requested)',
  client_id: 'coalesce(client_id, 0)',
  team_id: 'coalesce(team_id, 0)',
} as const;

/** Sums over request_logs as the rollups count them (a classifier call is not a request). */
export const RAW_SUMS = `sum(endpoint != 'classifier') AS requests,
  sum(endpoint != 'classifier' AND (status >= 400 OR error_type IS NOT NULL)) AS errors,
  sum(prompt_tokens) AS prompt_tokens, sum(cached_tokens) AS cached_tokens, sum(completion_tokens) AS completion_tokens,
  sum(reasoning_tokens) AS reasoning_tokens, round(sum(cost_usd), 9) AS cost_usd,
  round(sum(CASE WHEN endpoint != 'classifier' THEN latency_ms ELSE 0 END), 6) AS latency_ms_sum,
  round(sum(CASE WHEN endpoint != 'classifier' THEN overhead_ms ELSE 0 END), 6) AS overhead_ms_sum`;
