/** Sign-in bounds and the failed-login throttle: what an attacker can and cannot do to it. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { authRuntime } from '../../src/auth/auth-runtime';
import { login as loginService } from '../../src/auth/login-service';
import { LoginThrottle, MAX_KEY_CHARS } from '../../src/auth/login-throttle';
import { resetAdmin } from '../../src/db/seed/seed';
import { ADMIN_PASSWORD, api, useAdminGateway } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
useAdminGateway((s) => void (gw = s.gw));

const form = (fields: Record<string, string>) =>
  fetch(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.url },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });

describe('unbounded usernames', () => {
  test('the /login form refuses a huge username before the throttle remembers it', async () => {
    const throttle = authRuntime(gw.ctx.db).throttle;
    const before = throttle.keys().length;
    const res = await form({ username: 'u'.repeat(1_000_000), password: 'whatever-it-is' });
    expect(res.status).toBe(400);
    expect(throttle.keys().length).toBe(before);
    expect(throttle.keys().every((k) => k.length <= MAX_KEY_CHARS)).toBe(true);
  });

  test('the login service applies the same bound (API and form alike)', async () => {
    const err = await loginService(gw.ctx, 'v'.repeat(201), 'pw', '203.0.113.9').catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.param).toBe('username');
    const ok = await loginService(gw.ctx, 'v'.repeat(200), 'pw', '203.0.113.9').catch((e) => e);
    expect(ok.status).toBe(401);
  });

  test('throttle keys stay bounded whatever a caller passes', () => {
    const t = new LoginThrottle(() => 1000);
    const limit = { maxFailures: 2, windowMs: 60_000 };
    const long = 'k'.repeat(5_000_000);
    t.fail(long, limit);
    t.fail(long, limit);
    expect(t.keys().every((k) => k.length <= MAX_KEY_CHARS)).toBe(true);
    expect(t.retryAfterMs(long, limit)).toBeGreaterThan(0);
    expect(t.retryAfterMs(`${long}x`, limit)).toBe(0);
  });
});

describe('lock-out of other people', () => {
  const fail = (username: string, address: string) => loginService(gw.ctx, username, 'a-wrong-guess', address).catch((e) => e.status as number);

  test("five wrong passwords from one address lock that address out of the account, not the admin's own", async () => {
    for (let i = 0; i < 5; i++) expect(await fail('admin', '198.51.100.7')).toBe(401);
    expect(await fail('admin', '198.51.100.7')).toBe(429);
    // the rightful admin, from another address, still signs in
    const res = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(res.status).toBe(200);
  });

  test('IPv6 sources are counted per /64; IPv4-mapped addresses as IPv4', async () => {
    for (let i = 1; i <= 5; i++) expect(await fail('admin', `2001:db8:0:7::${i}`)).toBe(401);
    expect(await fail('admin', '2001:db8:0:7::99')).toBe(429);
    expect(await fail('admin', '2001:db8:0:8::1')).toBe(401);
    expect(await fail('admin', '::ffff:198.51.100.7')).toBe(429);
  });

  test('--reset-admin against the running server always reopens sign-in for the new password', async () => {
    for (let i = 0; i < 5; i++) await fail('admin', '127.0.0.1');
    expect((await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).status).toBe(429);
    expect(resetAdmin(gw.ctx.db)).toBe('reset');
    const res = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'admin123' } });
    expect(res.status).toBe(200);
    expect((await res.json()).must_change_password).toBe(true);
  });
});
