/**
 * A restarted gateway starts a budget from what was spent in the period before (the real log
 * writer's rollups in SQLite), not from zero.
 */
import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { clients, models } from '../../src/db/schema';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createLogSink } from '../../src/logging/log-sink';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway } from '../helpers/start-gateway';

test('after a restart the period spend comes from the database and the budget holds', async () => {
  const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  const dir = mkdtempSync(join(tmpdir(), 'gophergate-spend-'));
  const dbPath = join(dir, 'gophergate.db');
  const pre = openDatabase(dbPath);
  runMigrations(pre.db);
  pre.sqlite.close();
  const env = { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__PATH: dbPath };
  // The first run writes through the real log writer; the second only reads what it left.
  const start = (real: boolean) => startGateway({ env, ...(real ? { logSink: createLogSink({ dbPath, flushMs: 10, warn: () => {} }) } : {}) });
  try {
    const first = await start(true);
    first.ctx.db.insert(models).values({ id: 'lim-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: 1000, outputPrice: 1000, updatedAt: Date.now() }).run();
    first.ctx.state.reload();
    const body = { model: 'lim-model', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };
    await first.openai().chat.completions.create(body); // $0.028
    await first.openai().chat.completions.create(body); // $0.056 in all
    const key = first.clientKey;
    const id = first.clientId;
    await first.ctx.logSink.close(); // rows and rollups are in SQLite
    await first.close().catch(() => {});

    // The budget is set while the gateway is down: only the database knows what was spent.
    const db = openDatabase(dbPath);
    db.db.update(clients).set({ budgetUsd: 0.09, budgetPeriod: 'day' }).where(eq(clients.id, id)).run();
    db.sqlite.close();
    const second = await start(false);
    await second.ctx.limits.seed(second.ctx.state.getSnapshot());
    const scope = second.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;
    expect(second.ctx.limits.counters.spend(scope, Date.now())).toBeCloseTo(0.056, 10);
    // 0.056 spent + a worst case of ~0.039 does not fit 0.09.
    const err = await apiError(second.openai(key).chat.completions.create(body));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('budget_exceeded');
    await second.close();
  } finally {
    fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
