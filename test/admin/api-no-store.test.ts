import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

// Answers carry logs, users, key prefixes and spend: no browser or proxy cache may keep them.
describe('every /api answer says cache-control: no-store', () => {
  test('the GET reads', async () => {
    const paths = ['/api/logs', '/api/users', '/api/clients', '/api/teams', '/api/providers', '/api/models', '/api/groups',
      '/api/usage/summary', '/api/usage/timeseries', '/api/usage/breakdown', '/api/auth/me', '/api/users/1'];
    for (const path of paths) {
      const r = await api(gw, 'GET', path, { as: admin });
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect({ path, cc: r.headers.get('cache-control') }).toEqual({ path, cc: 'no-store' });
      await r.body?.cancel();
    }
  });

  test('writes and refusals too: 201, 400, 401, 404', async () => {
    const created = await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'no-store-team' } });
    const bad = await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'x', nope: 1 } });
    const anonymous = await api(gw, 'GET', '/api/logs');
    const missing = await api(gw, 'GET', '/api/clients/999999', { as: admin });
    const unknownRoute = await api(gw, 'GET', '/api/nothing-here', { as: admin });
    // Refused by the body cap before the /api guard runs: a body without Content-Length is a 411.
    const chunked = await fetch(`${gw.url}/api/teams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"name":"chunked"}')); c.close(); } }),
    });
    for (const [r, status] of [[created, 201], [bad, 400], [anonymous, 401], [missing, 404], [unknownRoute, 404], [chunked, 411]] as const) {
      expect(r.status).toBe(status);
      expect({ status, cc: r.headers.get('cache-control') }).toEqual({ status, cc: 'no-store' });
    }
  });

  test('other paths are left alone', async () => {
    const r = await fetch(`${gw.url}/health`);
    expect(r.headers.get('cache-control')).not.toBe('no-store');
  });
});
