/**
 * The log row on PostgreSQL: the sink writes the same columns as the SQLite writer (derived from
 * one table definition), and /api/logs, the monitor and the dashboard show them as on SQLite.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { LOG_INSERT_COLUMNS } from '../../src/logging/log-row-sql';
import { ADMIN_PASSWORD, api, json, login } from '../helpers/admin-harness';
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

test('the logs list pages and filters on PostgreSQL as on SQLite', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const ids: string[] = [];
  for (const content of ['one', 'two']) {
    const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content }] }).withResponse();
    ids.push(response.headers.get('x-request-id')!);
  }
  const list = async (q: string) => (await json(await api(gw, 'GET', `/api/logs?client_id=${gw.clientId}&${q}`, { as: admin }))).data as any[];
  const deadline = Date.now() + 10_000;
  while (!(await list('limit=1000')).some((r) => r.request_id === ids[1]) && Date.now() < deadline) await Bun.sleep(50);
  const all = await list('limit=1000');
  const [newest] = await list('limit=1');
  expect(newest.request_id).toBe(all[0].request_id);
  const [next] = await list(`limit=1&before_id=${newest.id}`);
  expect(next.request_id).toBe(all[1].request_id);
  expect((await list('limit=1000&status=ok&endpoint=chat')).map((r) => r.request_id)).toEqual(all.map((r) => r.request_id));
  expect(await list('limit=1000&status=error')).toEqual([]);
  expect(all.map((r) => r.request_id)).toEqual(expect.arrayContaining(ids));
});
