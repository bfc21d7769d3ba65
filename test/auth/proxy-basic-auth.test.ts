/**
 * A reverse proxy that guards the gateway with HTTP Basic auth (nginx `auth_basic`, Caddy
 * `basicauth`) passes the browser's `Authorization: Basic …` on to the gateway with every
 * request. That header is the proxy's, not a GopherGate credential: the session cookie still
 * signs the user in (and, being a cookie, still needs the CSRF token to change anything), while a
 * `Bearer` header that is wrong is still refused without falling back to the cookie.
 */
import { describe, expect, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login, useAdminGateway, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const BASIC = { authorization: `Basic ${btoa('ops:proxy-password')}` };

describe('behind a proxy that uses HTTP Basic auth', () => {
  test('the dashboard sign-in form leads to the dashboard, not back to the sign-in page', async () => {
    const r = await fetch(`${gw.url}/login`, { method: 'POST', headers: BASIC, body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }), redirect: 'manual' });
    expect(r.status).toBe(303);
    const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${gw.url}/clients`, { headers: { ...BASIC, cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-page="clients"');
  });

  test('/api reads with the cookie; a change still needs the CSRF token', async () => {
    expect((await api(gw, 'GET', '/api/auth/me', { as: admin, via: 'cookie', headers: BASIC })).status).toBe(200);
    const refused = await api(gw, 'POST', '/api/clients', { as: admin, via: 'cookie', csrf: null, headers: BASIC, body: { name: 'no-csrf' } });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe('csrf_failed');
    expect((await api(gw, 'POST', '/api/clients', { as: admin, via: 'cookie', headers: BASIC, body: { name: 'with-csrf' } })).status).toBe(201);
  });

  test('the Basic header alone signs nobody in; a wrong Bearer token does not fall back to the cookie', async () => {
    expect((await api(gw, 'GET', '/api/auth/me', { headers: BASIC })).status).toBe(401);
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    expect((await api(gw, 'GET', '/api/auth/me', { as: s, via: 'cookie', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await api(gw, 'GET', '/api/auth/me', { as: s, via: 'cookie', headers: { authorization: 'bearer' } })).status).toBe(401);
  });
});
