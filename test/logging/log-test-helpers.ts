import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import type { LogRecord } from '../../src/logging/log-record';

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
export function makeRecord(i: number, createdAt = Date.now()): LogRecord {
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
