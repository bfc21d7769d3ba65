import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, appRoutes, concretePath, json, login, SAMPLE_BODY, startAdminGateway } from '../helpers/admin-harness';

// Every test starts a gateway and hashes passwords (dozens of logins): seconds on a loaded CI
// machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

// Routes a user with a forced password change may still call.
const ALLOWED_DURING_CHANGE = new Set(['GET /api/auth/me', 'POST /api/auth/logout', 'POST /api/auth/change-password']);

describe('forced password change for the default admin', () => {
  test('admin/admin123 must change the password before anything else works; old sessions die', async () => {
    // No LLM_PROXY__ADMIN__PASSWORD: the seed creates admin/admin123 with a forced change.
    gw = await startAdminGateway({ env: { LLM_PROXY__ADMIN__PASSWORD: '' } });
    const first = await login(gw, 'admin', 'admin123');
    expect(first.mustChange).toBe(true);
    const other = await login(gw, 'admin', 'admin123');

    const routes = appRoutes(gw).filter((r) => r.path.startsWith('/api/') && r.method !== 'WS');
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (ALLOWED_DURING_CHANGE.has(key) || key === 'POST /api/auth/login') continue;
      const res = await api(gw, r.method, concretePath(r.path), { as: first, body: r.method === 'GET' ? undefined : SAMPLE_BODY });
      expect({ key, status: res.status }).toEqual({ key, status: 403 });
      expect((await json(res)).error.code).toBe('password_change_required');
    }
    const me = await json(await api(gw, 'GET', '/api/auth/me', { as: first }));
    expect(me.user.must_change_password).toBe(true);

    // The default password and short ones are refused; the current password must be right.
    for (const [cur, next, param] of [
      ['admin123', 'admin123', 'new_password'],
      ['admin123', 'short', 'new_password'],
      ['wrong-one', 'a-much-better-password', 'current_password'],
    ] as const) {
      const r = await api(gw, 'POST', '/api/auth/change-password', { as: first, body: { current_password: cur, new_password: next } });
      expect(r.status).toBe(400);
      expect((await json(r)).error.param).toBe(param);
    }

    const changed = await api(gw, 'POST', '/api/auth/change-password', {
      as: first,
      body: { current_password: 'admin123', new_password: 'a-much-better-password' },
    });
    expect(changed.status).toBe(200);
    const fresh = await json(changed);
    expect(fresh.must_change_password).toBe(false);
    expect(changed.headers.get('set-cookie')).toStartWith(`gg_session=${fresh.token};`);

    // Every earlier session is dead, including the one that made the change.
    expect((await api(gw, 'GET', '/api/auth/me', { as: first })).status).toBe(401);
    expect((await api(gw, 'GET', '/api/auth/me', { as: other })).status).toBe(401);
    const now = { token: fresh.token, csrf: fresh.csrf_token, cookie: `gg_session=${fresh.token}`, mustChange: false };
    expect((await api(gw, 'GET', '/api/clients', { as: now })).status).toBe(200);
    // Old password no longer works, the new one does.
    expect((await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'admin123' } })).status).toBe(401);
    expect((await login(gw, 'admin', 'a-much-better-password')).mustChange).toBe(false);
  });

  test('an admin reset forces the user to choose a new password and ends their sessions', async () => {
    gw = await startAdminGateway();
    const admin = await login(gw, 'admin', 'test-admin-password');
    const created = await json(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'vera', password: 'vera-password-1', role: 'viewer' } }));
    const vera = await login(gw, 'vera', 'vera-password-1');
    const reset = await api(gw, 'PATCH', `/api/users/${created.id}`, { as: admin, body: { password: 'temporary-pass-1' } });
    expect(reset.status).toBe(200);
    expect((await json(reset)).must_change_password).toBe(true);
    expect((await api(gw, 'GET', '/api/auth/me', { as: vera })).status).toBe(401);
    const again = await login(gw, 'vera', 'temporary-pass-1');
    expect(again.mustChange).toBe(true);
    expect((await api(gw, 'GET', '/api/clients', { as: again })).status).toBe(403);
  });
});

describe('login throttling', () => {
  test('5 failures for one username -> 429 with retry-after, even with the right password; lifts after the window', async () => {
    const base = Date.now();
    let now = base;
    gw = await startAdminGateway({ authClock: () => now });
    for (let i = 0; i < 5; i++) {
      expect((await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: `guess-${i}` } })).status).toBe(401);
    }
    const r = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'test-admin-password' } });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(r)).error).toMatchObject({ type: 'rate_limit_error', code: 'login_throttled' });
    // In minutes, as the sign-in form shows it (it said "900 seconds").
    now = base + 2_000;
    const later = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'test-admin-password' } });
    expect((await json(later)).error.message).toBe('Too many failed sign-ins. Try again in 15 minutes.');
    now = base + 15 * 60 * 1000 - 30_000;
    const soon = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'test-admin-password' } });
    expect((await json(soon)).error.message).toBe('Too many failed sign-ins. Try again in 30 seconds.');
    // Other usernames from the same address are not locked by this user's count.
    expect((await api(gw, 'POST', '/api/auth/login', { body: { username: 'someone', password: 'x-guess' } })).status).toBe(401);
    now = base + 15 * 60 * 1000 + 1;
    expect((await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'test-admin-password' } })).status).toBe(200);
  });

  test('many failures from one address -> 429 for every username from it', async () => {
    gw = await startAdminGateway();
    for (let i = 0; i < gw.ctx.auth.perAddress.maxFailures; i++) {
      // distinct usernames, so only the address counter can trip
      expect((await api(gw, 'POST', '/api/auth/login', { body: { username: `spray${i}`, password: 'x-guess' } })).status).toBe(401);
    }
    const r = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'test-admin-password' } });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeTruthy();
  });
});
