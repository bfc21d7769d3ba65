import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login, makeUser, startAdminGateway } from '../helpers/admin-harness';

// Sign-ins hash passwords: a test takes seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
// The gateway's auth clock runs this far ahead of the real one (a test moves it to expire sessions).
let ahead = 0;
beforeAll(async () => {
  gw = await startAdminGateway({ authClock: () => Date.now() + ahead });
});
afterAll(() => gw.close());

describe('sign-in and sessions', () => {
  test('login returns a token, a CSRF token and an HttpOnly SameSite=Strict cookie', async () => {
    const r = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b).toMatchObject({ must_change_password: false, user: { username: 'admin', role: 'admin' } });
    expect(typeof b.token).toBe('string');
    expect(typeof b.csrf_token).toBe('string');
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toStartWith(`gg_session=${b.token};`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
  });

  test('the cookie is Secure when the request came over https (x-forwarded-proto)', async () => {
    const r = await api(gw, 'POST', '/api/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(r.headers.get('set-cookie')).toContain('; Secure');
  });

  test('wrong password and unknown user get the same 401', async () => {
    const a = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'nope-nope' } });
    const b = await api(gw, 'POST', '/api/auth/login', { body: { username: 'ghost', password: 'nope-nope' } });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect((await json(a)).error).toEqual((await json(b)).error);
  });

  test('bearer and cookie both work; me reports the user and CSRF token', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    for (const via of ['bearer', 'cookie'] as const) {
      const r = await api(gw, 'GET', '/api/auth/me', { as: s, via });
      expect(r.status).toBe(200);
      expect(await json(r)).toMatchObject({ user: { username: 'admin', role: 'admin' }, csrf_token: s.csrf });
    }
  });

  test('logout invalidates the token at once (bearer and cookie)', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    expect((await api(gw, 'GET', '/api/clients', { as: s })).status).toBe(200);
    const out = await api(gw, 'POST', '/api/auth/logout', { as: s });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await api(gw, 'GET', '/api/clients', { as: s })).status).toBe(401);
    expect((await api(gw, 'GET', '/api/clients', { as: s, via: 'cookie' })).status).toBe(401);
  });

  test('logout ends only that session', async () => {
    const a = await login(gw, 'admin', ADMIN_PASSWORD);
    const b = await login(gw, 'admin', ADMIN_PASSWORD);
    await api(gw, 'POST', '/api/auth/logout', { as: a });
    expect((await api(gw, 'GET', '/api/auth/me', { as: b })).status).toBe(200);
  });

  test('a session expires (injected clock)', async () => {
    const ttl = gw.ctx.auth.sessionTtlMs;
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    try {
      ahead = ttl - 60_000;
      expect((await api(gw, 'GET', '/api/auth/me', { as: s })).status).toBe(200);
      ahead = ttl + 1_000;
      const r = await api(gw, 'GET', '/api/auth/me', { as: s });
      expect(r.status).toBe(401);
      expect((await json(r)).error).toMatchObject({ type: 'authentication_error', code: 'invalid_session' });
    } finally {
      ahead = 0;
    }
  });

  test('a deleted user\'s session stops working', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const v = await makeUser(gw, admin, 'shortlived', 'viewer');
    expect((await api(gw, 'GET', '/api/clients', { as: v })).status).toBe(200);
    const users = (await json(await api(gw, 'GET', '/api/users', { as: admin }))).data as any[];
    const id = users.find((u) => u.username === 'shortlived').id;
    expect((await api(gw, 'DELETE', `/api/users/${id}`, { as: admin })).status).toBe(200);
    expect((await api(gw, 'GET', '/api/clients', { as: v })).status).toBe(401);
  });

  test('a role change applies to live sessions at once', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const u = await makeUser(gw, admin, 'promoted', 'viewer');
    expect((await api(gw, 'POST', '/api/clients', { as: u, body: { name: 'c' } })).status).toBe(403);
    const me = await json(await api(gw, 'GET', '/api/auth/me', { as: u }));
    expect((await api(gw, 'PATCH', `/api/users/${me.user.id}`, { as: admin, body: { role: 'admin' } })).status).toBe(200);
    expect((await api(gw, 'POST', '/api/clients', { as: u, body: { name: 'c' } })).status).toBe(201);
  });
});

describe('CSRF', () => {
  test('cookie-authenticated mutations need x-csrf-token matching the session', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    const other = await login(gw, 'admin', ADMIN_PASSWORD);
    const missing = await api(gw, 'POST', '/api/clients', { as: s, via: 'cookie', csrf: null, body: { name: 'x' } });
    expect(missing.status).toBe(403);
    expect((await json(missing)).error.code).toBe('csrf_failed');
    const wrong = await api(gw, 'POST', '/api/clients', { as: s, via: 'cookie', csrf: other.csrf, body: { name: 'x' } });
    expect(wrong.status).toBe(403);
    expect((await api(gw, 'POST', '/api/clients', { as: s, via: 'cookie', body: { name: 'x' } })).status).toBe(201);
    // logout through the cookie is a mutation too
    expect((await api(gw, 'POST', '/api/auth/logout', { as: s, via: 'cookie', csrf: null })).status).toBe(403);
  });

  test('reads with a cookie need no CSRF header', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    expect((await api(gw, 'GET', '/api/clients', { as: s, via: 'cookie', csrf: null })).status).toBe(200);
  });

  test('bearer-authenticated mutations need no CSRF header', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    expect((await api(gw, 'POST', '/api/clients', { as: s, body: { name: 'y' } })).status).toBe(201);
  });

  test('a bad Authorization header does not fall back to the cookie', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    const r = await api(gw, 'GET', '/api/clients', { as: s, via: 'cookie', headers: { authorization: 'Bearer nope' } });
    expect(r.status).toBe(401);
  });
});
