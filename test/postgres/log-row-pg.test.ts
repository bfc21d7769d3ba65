/**
 * The log row on PostgreSQL: the sink writes the same columns as the SQLite writer (derived from
 * one table definition), and /api/logs, the monitor and the dashboard show them as on SQLite.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { LOG_INSERT_COLUMNS } from '../../src/logging/log-row-sql';
import { checkLogRowRoundTrip } from '../helpers/log-row-round-trip';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let db: TestDatabase;
let gw: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startGateway({
    storeLogs: true,
    env: { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'pg-row-1', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
  });
});
afterAll(async () => {
  await gw?.close();
  await db?.drop();
});

test('the sink writes every column of the table but the id', async () => {
  const sql = new SQL(db.url);
  try {
    const cols = await sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'request_logs' ORDER BY ordinal_position`;
    expect(cols.map((c: any) => c.column_name).filter((c: string) => c !== 'id').sort()).toEqual([...LOG_INSERT_COLUMNS].sort());
  } finally {
    await sql.close();
  }
});

test('a request\'s row in PostgreSQL reads the same in /api/logs, the monitor and the dashboard', async () => {
  const row = await checkLogRowRoundTrip(gw);
  expect(row.instance).toBe('pg-row-1');
});
