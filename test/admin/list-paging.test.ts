/**
 * GET /api/clients and GET /api/teams page as GET /api/logs does: `limit` (1-1000) and a keyset
 * cursor naming the last row of the previous page (`before_id` for clients, listed newest first
 * as log rows are; `after_id` for teams, listed by name). Without them the whole list, as before.
 * On SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { api, json, login, ADMIN_PASSWORD, makeUser, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

// Names whose code-point order differs from a locale's ('Blue' < 'alpha'), and one id order that is not the name order.
const TEAM_NAMES = ['delta', 'Blue', 'alpha', 'charlie', 'echo'];

describe.each(['sqlite', 'postgres'] as const)('list paging on %s', (dialect) => {
  let pg: TestDatabase | undefined;
  let gw: TestGateway;
  let admin: Session;
  let viewer: Session;

  beforeAll(async () => {
    if (dialect === 'postgres') pg = await createTestDatabase('gg_paging', { icuLocale: 'en-US' });
    gw = await startGateway({ env: pg ? { LLM_PROXY__DATABASE__URL: pg.url } : {} });
    admin = await login(gw, 'admin', ADMIN_PASSWORD);
    viewer = await makeUser(gw, admin, 'pager', 'viewer');
    for (let i = 0; i < 6; i++) expect((await api(gw, 'POST', '/api/clients', { as: admin, body: { name: `c${i}` } })).status).toBe(201);
    for (const name of TEAM_NAMES) expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name } })).status).toBe(201);
  });
  afterAll(async () => {
    await gw?.close();
    await pg?.drop();
  });

  const get = async (path: string, as = viewer) => {
    const r = await api(gw, 'GET', path, { as });
    expect(r.status).toBe(200);
    return (await json(r)).data as any[];
  };

  /** Every page of `path` with `limit`, following `cursor` from each page's last id. */
  async function allPages(path: string, cursor: string, limit: number): Promise<{ ids: number[]; sizes: number[] }> {
    const ids: number[] = [];
    const sizes: number[] = [];
    let last: number | undefined;
    for (let n = 0; n < 50; n++) {
      const page = await get(`${path}?limit=${limit}${last === undefined ? '' : `&${cursor}=${last}`}`);
      sizes.push(page.length);
      ids.push(...page.map((r) => r.id));
      if (page.length < limit) return { ids, sizes };
      last = page.at(-1).id;
    }
    throw new Error('paging did not end');
  }

  test('clients: without parameters the whole list (newest first); pages of `limit` following `before_id` give the same rows in the same order', async () => {
    const whole = await get('/api/clients');
    expect(whole.length).toBe(7); // the gateway's own test client and six more
    expect(whole[0].name).toBe('c5');
    const { ids, sizes } = await allPages('/api/clients', 'before_id', 3);
    expect(ids).toEqual(whole.map((c) => c.id));
    expect(sizes).toEqual([3, 3, 1]);
    // The page rows are the list's rows, field for field.
    expect((await get('/api/clients?limit=2'))).toEqual(whole.slice(0, 2));
    // A cursor alone continues to the end of the list.
    expect((await get(`/api/clients?before_id=${whole[4].id}`)).map((c) => c.id)).toEqual(whole.slice(5).map((c) => c.id));
  });

  test('teams: without parameters the whole list (by name, code-point order); pages of `limit` following `after_id` give the same rows in the same order', async () => {
    const whole = await get('/api/teams');
    expect(whole.map((t) => t.name)).toEqual(['Blue', 'alpha', 'charlie', 'delta', 'echo']);
    const { ids, sizes } = await allPages('/api/teams', 'after_id', 2);
    expect(ids).toEqual(whole.map((t) => t.id));
    expect(sizes).toEqual([2, 2, 1]);
    expect(await get('/api/teams?limit=1000')).toEqual(whole);
    expect((await get(`/api/teams?after_id=${whole[2].id}`)).map((t) => t.name)).toEqual(['delta', 'echo']);
  });

  test('bad paging values: 400 in the admin error shape naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/api/clients?limit=0', 'limit'],
      ['/api/clients?limit=1001', 'limit'],
      ['/api/clients?limit=ten', 'limit'],
      ['/api/clients?before_id=-3', 'before_id'],
      ['/api/teams?limit=1001', 'limit'],
      ['/api/teams?limit=2.5', 'limit'],
      ['/api/teams?after_id=x', 'after_id'],
      ['/api/teams?after_id=999999', 'after_id'],
    ];
    for (const [path, param] of cases) {
      const r = await api(gw, 'GET', path, { as: viewer });
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      const body = await json(r);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(typeof body.error.message).toBe('string');
    }
  });
});
