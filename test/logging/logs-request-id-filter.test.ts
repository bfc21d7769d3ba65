/**
 * A request's log row by the x-request-id its answer carried: GET /api/logs?request_id= and the
 * dashboard's Logs filter list that one row (served by the request_logs_request_id_idx index),
 * whatever else the log holds; an id no request had lists nothing.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(() => gw?.close());

async function listed(query: string): Promise<any[]> {
  const r = await api(gw, 'GET', `/api/logs?${query}`, { as: admin });
  expect(r.status).toBe(200);
  return ((await json(r)) as { data: any[] }).data;
}

test('?request_id= lists the one row of that request, newest or not; an unknown id lists none', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: `hi ${i}` }] }).withResponse();
    ids.push(response.headers.get('x-request-id')!);
  }
  const refused = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }) });
  expect(refused.status).toBe(404);
  ids.push(refused.headers.get('x-request-id')!);
  expect(new Set(ids).size).toBe(5);
  // Version 7 UUIDs (time first), each after the one before: the index grows at its end as the
  // table does (a random id cost a page of the index per row: BENCHMARKS.md, session 14).
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect([...ids].sort()).toEqual(ids);
  // Every row committed (the list is newest first, so all five are on the first page).
  for (let waited = 0; (await listed('limit=5')).length < 5; waited++) {
    if (waited > 500) throw new Error('rows not written');
    await Bun.sleep(20);
  }

  for (const [i, id] of ids.entries()) {
    const rows = await listed(`request_id=${encodeURIComponent(id)}`);
    expect(rows.map((r) => r.request_id)).toEqual([id]);
    expect(rows[0].status).toBe(i < 4 ? 200 : 404);
  }
  // With the other filters it narrows as they do: the chat row is not a 404 one.
  expect(await listed(`request_id=${encodeURIComponent(ids[1]!)}&status=404`)).toEqual([]);
  expect(await listed('request_id=no-such-request')).toEqual([]);
});

test("the dashboard's Logs page filters by request id too", async () => {
  const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'dash' }] }).withResponse();
  const id = response.headers.get('x-request-id')!;
  let row: any;
  for (let waited = 0; !(row = (await listed(`request_id=${encodeURIComponent(id)}`))[0]); waited++) {
    if (waited > 500) throw new Error('row not written');
    await Bun.sleep(20);
  }
  const page = async (q: string) => {
    const r = await fetch(`${gw.url}/logs?${q}`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    return r.text();
  };
  const html = await page(`request_id=${encodeURIComponent(id)}`);
  expect(html.match(/id="log-\d+"/g)).toEqual([`id="log-${row.id}"`]);
  expect(html).toContain(`name="request_id" value="${id}"`);
  expect(await page('request_id=no-such-request')).toContain('No requests match');
});
