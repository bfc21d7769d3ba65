/**
 * The admin API takes JSON only, as /v1 does. A form, multipart or text body was parsed by Elysia
 * as something else: `PATCH /api/clients/{id}` with a `text/plain` JSON text answered 200 and
 * changed nothing; a form body created rows; a gzip body was called "not valid UTF-8".
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const send = (method: string, path: string, headers: Record<string, string>, body: BodyInit) =>
  fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${admin.token}`, ...headers }, body });

describe('/api bodies that are not plain JSON', () => {
  test('a declared non-JSON content type is a 400 unsupported_content_type, and nothing changes', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'ct-target', rpm: 100 } }));
    const multipart = new FormData();
    multipart.set('name', 'from-multipart');
    const cases: [string, string, Record<string, string>, BodyInit][] = [
      ['PATCH', `/api/clients/${c.id}`, { 'content-type': 'text/plain' }, '{"rpm":5}'],
      ['POST', '/api/teams', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=from-form'],
      ['POST', '/api/clients', {}, multipart],
      ['POST', '/api/auth/change-password', { 'content-type': 'text/plain;charset=utf-8' }, '{"current_password":"a","new_password":"b"}'],
    ];
    for (const [method, path, headers, body] of cases) {
      const r = await send(method, path, headers, body);
      const b = await json(r);
      expect({ path, status: r.status, code: b.error?.code }).toEqual({ path, status: 400, code: 'unsupported_content_type' });
      expect(b.error.type).toBe('invalid_request_error');
      expect(b.error.message).toContain("only accepts 'application/json'");
    }
    expect((await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }))).rpm).toBe(100);
    const teams = await json(await api(gw, 'GET', '/api/teams', { as: admin }));
    expect(teams.data.map((t: { name: string }) => t.name)).not.toContain('from-form');
    const clients = await json(await api(gw, 'GET', '/api/clients', { as: admin }));
    expect(clients.data.map((x: { name: string }) => x.name)).not.toContain('from-multipart');
  });

  test('the session is still checked first: without one, a form body is a 401, never a 400', async () => {
    const r = await fetch(`${gw.url}/api/teams`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(r.status).toBe(401);
  });

  test('a compressed body is a 400 unsupported_content_encoding, not "not valid UTF-8"', async () => {
    const r = await send('POST', '/api/teams', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, Bun.gzipSync(JSON.stringify({ name: 'gz-team' })));
    const b = await json(r);
    expect({ status: r.status, code: b.error?.code }).toEqual({ status: 400, code: 'unsupported_content_encoding' });
    const teams = await json(await api(gw, 'GET', '/api/teams', { as: admin }));
    expect(teams.data.map((t: { name: string }) => t.name)).not.toContain('gz-team');
  });

  test('a body declared as UTF-16 or UTF-32 is a 400 invalid_encoding saying so, and nothing changes', async () => {
    for (const charset of ['utf-16', 'UTF-16BE', '"utf-32"']) {
      const r = await send('POST', '/api/teams', { 'content-type': `application/json; charset=${charset}` }, Buffer.from('{"name":"u16-team"}', 'utf16le'));
      const b = await json(r);
      expect({ charset, status: r.status, code: b.error?.code }).toEqual({ charset, status: 400, code: 'invalid_encoding' });
      expect(b.error.message).toContain('send it as UTF-8');
    }
    const teams = await json(await api(gw, 'GET', '/api/teams', { as: admin }));
    expect(teams.data.map((t: { name: string }) => t.name)).not.toContain('u16-team');
  });

  test('JSON (also with a charset or a +json type) and bodiless calls still work', async () => {
    const a = await send('POST', '/api/teams', { 'content-type': 'application/json; charset=utf-8' }, '{"name":"json-team"}');
    expect(a.status).toBe(201);
    // Java's HttpClient labels bodies ISO-8859-1 by default: ASCII JSON so labelled is read as it is.
    const latin = await send('POST', '/api/teams', { 'content-type': 'application/json; charset=ISO-8859-1' }, '{"name":"json-team-latin"}');
    expect(latin.status).toBe(201);
    const b = await send('POST', '/api/teams', { 'content-type': 'application/merge-patch+json' }, '{"name":"json-team-2"}');
    expect(b.status).toBe(201);
    // No content type at all (fetch adds none for bytes): read as the JSON it is.
    const c = await send('POST', '/api/teams', {}, new TextEncoder().encode('{"name":"json-team-3"}'));
    expect(c.status).toBe(201);
    // A form-typed empty body (curl -d '' adds the type) on a route without a body is no body at all.
    const other = await login(gw, 'admin', ADMIN_PASSWORD);
    const out = await fetch(`${gw.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(out.status).toBe(200);
    expect((await api(gw, 'GET', '/api/auth/me', { as: other })).status).toBe(401);
  });
});
