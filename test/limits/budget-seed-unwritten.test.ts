/**
 * A budget set on a key (and its team) while its requests' rows still wait in the log writer's
 * batch starts from those rows too, not only from what SQLite holds: else the key could spend them
 * again on top of its budget. And a row the writer committed but has not acknowledged yet is
 * counted once.
 */
import { expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { clients, models, teams } from '../../src/db/schema';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { sqliteStore } from '../../src/db/store';
import { createLogSink } from '../../src/logging/log-sink';
import { createLogWriter } from '../../src/logging/log-writer';
import { spendSince } from '../../src/limits/spend-queries';
import { LimitsService } from '../../src/limits/limits-service';
import { MemoryLimitCounters } from '../../src/limits/memory-limit-counters';
import type { ScopeLimits } from '../../src/limits/limit-types';
import type { Store } from '../../src/db/store';
import type { RuntimeSnapshot } from '../../src/state/snapshot-types';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway } from '../helpers/start-gateway';
import { makeRecord, tempDb } from '../logging/log-test-helpers';

const body = { model: 'lim-model', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

test('a budget set on a busy key and team counts the rows the log writer has not stored yet', async () => {
  const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  const dir = mkdtempSync(join(tmpdir(), 'gophergate-unwritten-'));
  const dbPath = join(dir, 'gophergate.db');
  const pre = openDatabase(dbPath);
  runMigrations(pre.db);
  pre.sqlite.close();
  // The real writer, whose batch waits an hour instead of 100 ms: its rows are the unwritten ones.
  const sink = createLogSink({ dbPath, flushMs: 3_600_000, warn: () => {} });
  const gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__PATH: dbPath }, logSink: sink });
  try {
    const now = Date.now();
    gw.ctx.db.insert(models).values({ id: 'lim-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: 1000, outputPrice: 1000, updatedAt: now }).run();
    const team = gw.ctx.db.insert(teams).values({ name: 'busy', createdAt: now, updatedAt: now }).returning().get();
    gw.ctx.db.update(clients).set({ teamId: team.id }).where(eq(clients.id, gw.clientId)).run();
    gw.ctx.state.reload();
    for (let i = 0; i < 3; i++) await gw.openai().chat.completions.create(body); // $0.028 each
    expect([...sink.unwritten!()].filter((r) => r.clientId === gw.clientId)).toHaveLength(3);

    gw.ctx.db.update(clients).set({ budgetUsd: 0.1, budgetPeriod: 'total' }).where(eq(clients.id, gw.clientId)).run();
    gw.ctx.db.update(teams).set({ budgetUsd: 0.1, budgetPeriod: 'total' }).where(eq(teams.id, team.id)).run();
    await gw.ctx.limits.seed(gw.ctx.state.reload());
    const snap = gw.ctx.state.getSnapshot();
    const key = snap.clientsById!.get(gw.clientId)!.limits!.scopes[0]!;
    expect(gw.ctx.limits.counters.spend(key, Date.now())).toBeCloseTo(0.084, 10);
    expect(gw.ctx.limits.counters.spend(snap.teams!.get(team.id)!.scope, Date.now())).toBeCloseTo(0.084, 10);
    // $0.084 spent + a worst case of ~$0.02 does not fit $0.10 (it would on the $0 SQLite holds).
    const err = await apiError(gw.openai().chat.completions.create(body));
    expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  } finally {
    await gw.close();
    fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test('a row the writer committed before its answer came is counted once, in the same read', async () => {
  const db = tempDb();
  try {
    const rows = [1, 2, 3].map((i) => ({ ...makeRecord(i * 3), clientId: 7, costUsd: 0.01 * i }));
    // Row 1 is stored and acknowledged; row 2 is stored but still in the writer's hands; row 3 is not stored.
    createLogWriter(db.sqlite).writeBatch(rows.slice(0, 2));
    const store = sqliteStore(db.sqlite, db.db);
    expect(await spendSince(store, 'c:7', 0, rows.slice(1))).toBeCloseTo(0.06, 10);
    expect(await spendSince(store, 'c:7', 0)).toBeCloseTo(0.03, 10);
  } finally {
    db.cleanup();
  }
});

test('a row settled while the logs are read (an awaited query, as on PostgreSQL) is counted beside the read', async () => {
  const T = Date.parse('2026-03-10T12:00:00Z');
  const scope = (budgetUsd: number | null): ScopeLimits => ({ key: 'c:1', label: "key 'k'", allow: null, budgetUsd, period: 'month', rpm: 100, tpm: null, maxParallel: null });
  let answer!: (rows: { s: number }[]) => void;
  const store = { reachable: () => true, all: () => new Promise((r) => (answer = r)) } as unknown as Store;
  const limits = new LimitsService(store, { counters: new MemoryLimitCounters(), now: () => T });
  // Admitted while the key had no budget; its row comes while the budget's first read is under way.
  expect(await limits.admit({ requestId: 'before', scopes: [scope(null)], worstCostUsd: 0.02, tokens: 10, now: T })).toMatchObject({ ok: true });
  const waiting = limits.admit({ requestId: 'after', scopes: [scope(1)], worstCostUsd: 0.01, tokens: 10, now: T });
  const snap = { clientsById: new Map([[1, { limits: { scopes: [scope(1)], teamId: null } }]]), teams: new Map() } as unknown as RuntimeSnapshot;
  limits.onRecord({ ...makeRecord(1, T), requestId: 'before', clientId: 1, teamId: null, costUsd: 0.02 }, snap);
  answer([{ s: 0.5 }]); // the read began before that row was stored: it does not hold it
  expect(await waiting).toMatchObject({ ok: true });
  expect(limits.counters.spend(scope(1), T)).toBeCloseTo(0.52, 10);
});
