import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients } from '../../src/db/schema';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const v1Models = (key: string) => fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

describe('clients', () => {
  test('a key created through the API works on /v1 at once and stops at once when revoked', async () => {
    const r = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'ci-bot' } });
    expect(r.status).toBe(201);
    const c = await json(r);
    expect(Object.keys(c).sort()).toEqual(['id', 'key', 'name']);
    expect(c.key).toMatch(/^gg-[A-Za-z0-9_-]{43}$/);

    const ok = await v1Models(c.key);
    expect(ok.status).toBe(200);
    expect((await json(ok)).object).toBe('list');

    const revoked = await api(gw, 'DELETE', `/api/clients/${c.id}`, { as: admin });
    expect(revoked.status).toBe(200);
    expect((await json(revoked)).revoked).toBe(true);
    const refused = await v1Models(c.key);
    expect(refused.status).toBe(401);
    expect((await json(refused)).error.type).toBe('authentication_error');
  });

  test('only the hash and a prefix are stored; the key is never listed again', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'stored' } }));
    const row = gw.ctx.db.select().from(clients).where(eq(clients.id, c.id)).get()!;
    expect(row.keyHash).toBe(new Bun.CryptoHasher('sha256').update(c.key).digest('hex'));
    expect(row.keyPrefix).toBe(c.key.slice(0, 10));
    expect(JSON.stringify(row)).not.toContain(c.key);
    const list = await (await api(gw, 'GET', '/api/clients', { as: admin })).text();
    const one = await (await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin })).text();
    for (const text of [list, one]) {
      expect(text).toContain('"stored"');
      expect(text).not.toContain(c.key);
    }
  });

  test('rename, validation and unknown ids', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'old' } }));
    const r = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { name: '  new name ' } });
    expect(r.status).toBe(200);
    expect((await json(r)).name).toBe('new name');
    // still works after a rename
    expect((await v1Models(c.key)).status).toBe(200);

    const blank = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { name: '   ' } });
    expect(blank.status).toBe(400);
    expect((await json(blank)).error.param).toBe('name');
    const missing = await api(gw, 'POST', '/api/clients', { as: admin, body: {} });
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.param).toBe('name');
    expect((await api(gw, 'GET', '/api/clients/99999', { as: admin })).status).toBe(404);
    expect((await api(gw, 'DELETE', '/api/clients/99999', { as: admin })).status).toBe(404);
    const badId = await api(gw, 'GET', '/api/clients/abc', { as: admin });
    expect(badId.status).toBe(400);
  });

  test('a name with markup is stored and returned as plain data', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name } }));
    expect((await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }))).name).toBe(name);
  });
});
