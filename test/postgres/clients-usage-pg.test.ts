/**
 * The Clients page's usage columns on PostgreSQL: each page reads its own keys' 30-day usage
 * (usageOfClients, an `IN (…)` over the daily rollups), as on SQLite (test/dashboard/clients-usage-many).
 * A request made with the official openai client against the mock provider; its row found by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, apiLogRow, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let db: TestDatabase;
let gw: TestGateway;
let admin: Session;
beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  await db?.drop();
});

test('a key that made requests shows them on the Clients page', async () => {
  const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello there' }] }).withResponse();
  const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
  expect(row.status).toBe(200);
  const html = await (await fetch(`${gw.url}/clients`, { headers: { cookie: admin.cookie } })).text();
  const block = html.split('<tbody id="client-').find((b) => b.includes('>test client</span>'))!;
  const figures = [...block.split('</tr>')[0]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
  expect(figures[0]).toBe('1');
  expect(figures[1]).toBe(String(row.prompt_tokens + row.completion_tokens));
});
