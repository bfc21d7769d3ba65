/**
 * Read-side query edges of the admin API as a script or BI tool sends them, on both stores:
 * ids up to the largest the messages name (Number.MAX_SAFE_INTEGER, 16 digits, as path ids take)
 * are read, not refused; an `offset` (paging these lists do not take) is a 400 naming it, never
 * ignored (ignored, every "page" a limit/offset client asked for was the first one again).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, apiLogRow, json, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);
const MAX = String(Number.MAX_SAFE_INTEGER);

describe.each(['sqlite', 'postgres'] as const)('admin API read queries on %s', (dialect) => {
  let pg: TestDatabase | undefined;
  let gw: TestGateway;
  let admin: Session;
  let requestId: string;
  beforeAll(async () => {
    if (dialect === 'postgres') pg = await createTestDatabase('gg_read_edges');
    gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', ...(pg ? { LLM_PROXY__DATABASE__URL: pg.url } : {}) } });
    admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    requestId = response.headers.get('x-request-id')!;
    await apiLogRow(gw, admin, requestId);
  });
  afterAll(async () => {
    await gw?.close();
    await pg?.drop();
  });
  const get = async (path: string) => {
    const r = await api(gw, 'GET', path, { as: admin });
    return { status: r.status, body: await json(r) };
  };

  test('an id of 16 digits up to MAX_SAFE_INTEGER is read on /api/logs, /api/usage and /api/clients; one past it is a 400', async () => {
    const page = await get(`/api/logs?before_id=${MAX}&limit=1000`);
    expect(page.status).toBe(200);
    expect(page.body.data.map((r: any) => r.request_id)).toContain(requestId);
    for (const q of [`client_id=${MAX}`, `team=${MAX}`, 'client_id=1000000000000000']) {
      expect(await get(`/api/logs?${q}`)).toEqual({ status: 200, body: { data: [] } });
      const sum = await get(`/api/usage/summary?${q}`);
      expect({ q, status: sum.status, requests: sum.body.requests }).toEqual({ q, status: 200, requests: 0 });
    }
    expect((await get(`/api/clients?before_id=${MAX}&limit=5`)).status).toBe(200);
    for (const [q, param] of [['before_id=9007199254740992', 'before_id'], ['client_id=9999999999999999', 'client_id'], ['team=10000000000000000', 'team']]) {
      const r = await get(`/api/logs?${q}`);
      expect({ status: r.status, param: r.body.error?.param }).toEqual({ status: 400, param });
    }
  });

  test("'offset' is a 400 naming it and the cursor to page with, not ignored", async () => {
    const cases: [string, string][] = [
      ['/api/logs?limit=1&offset=1', 'before_id'],
      ['/api/clients?limit=1&offset=1', 'before_id'],
      ['/api/teams?limit=1&offset=1', 'after_id'],
      ['/api/usage/breakdown?limit=1&offset=1', 'limit'],
    ];
    for (const [path, hint] of cases) {
      const r = await get(path);
      expect({ path, status: r.status, type: r.body.error?.type, param: r.body.error?.param }).toEqual({ path, status: 400, type: 'invalid_request_error', param: 'offset' });
      expect(r.body.error.message).toContain(`'${hint}'`);
    }
    // offset=0 asks for nothing the list does not do already, and an empty one is no offset.
    expect((await get('/api/logs?limit=1&offset=0')).status).toBe(200);
    expect((await get('/api/logs?limit=1&offset=')).status).toBe(200);
  });
});
