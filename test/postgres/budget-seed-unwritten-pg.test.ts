/**
 * PostgreSQL's side of test/limits/budget-seed-unwritten.test.ts: the rows of a budget's scope the
 * log writer holds are added to the rollups' sum, and one the store holds already (committed, its
 * answer not come) is found in the same statement and counted once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { spendSince } from '../../src/limits/spend-queries';
import type { SQL } from 'bun';
import { makeRecord } from '../logging/log-test-helpers';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let db: TestDatabase;
let gw: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startGateway({ env: { LLM_PROXY__DATABASE__URL: db.url } });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await db?.drop();
});

test('rows the writer holds count once beside the rollups, on PostgreSQL', async () => {
  const rows = [1, 2, 3].map((i) => ({ ...makeRecord(i * 3), clientId: gw.clientId, teamId: null, costUsd: 0.01 * i }));
  const writer = createPgLogSink((gw.ctx.store as unknown as { client: SQL }).client, { retentionDays: 0, warn: () => {} });
  for (const r of rows.slice(0, 2)) writer.write(r);
  await writer.close();
  expect(await spendSince(gw.ctx.store, `c:${gw.clientId}`, 0, rows.slice(1))).toBeCloseTo(0.06, 10);
  expect(await spendSince(gw.ctx.store, `c:${gw.clientId}`, 0)).toBeCloseTo(0.03, 10);
}, 30_000);
