/** Sign-in bounds and the failed-login throttle: what an attacker can and cannot do to it. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
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
    const throttle = gw.ctx.auth.throttle;
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
    expect(resetAdmin(gw.ctx.db)).toEqual({ what: 'reset', username: 'admin' });
    const res = await api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'admin123' } });
    expect(res.status).toBe(200);
    expect((await res.json()).must_change_password).toBe(true);
  });
});

describe('the failure map cannot be flushed', () => {
  const limit = { maxFailures: 5, windowMs: 15 * 60_000 };
  const perAddress = { maxFailures: 20, windowMs: 15 * 60_000 };

  test("junk from many other sources does not evict a source's count of the admin", () => {
    const t = new LoginThrottle(() => 1_000);
    for (let i = 0; i < 5; i++) t.fail('u:admin|198.51.100.7', limit, '198.51.100.7');
    expect(t.retryAfterMs('u:admin|198.51.100.7', limit)).toBeGreaterThan(0);
    // 20,000 junk usernames from 1,000 sources (20 each, as many as the per-address cap lets through)
    for (let s = 0; s < 1_000; s++) for (let i = 0; i < 20; i++) t.fail(`u:junk${i}|10.0.${s >> 8}.${s & 255}`, limit, `10.0.${s >> 8}.${s & 255}`);
    expect(t.keys().length).toBeLessThanOrEqual(10_000);
    expect(t.retryAfterMs('u:admin|198.51.100.7', limit)).toBeGreaterThan(0);
  });

  test("one source spraying usernames only pushes out its own entries, never its address counter or others'", () => {
    const t = new LoginThrottle(() => 1_000, { maxEntries: 500, maxPerOwner: 50 });
    for (let i = 0; i < 5; i++) t.fail('u:admin|192.0.2.1', limit, '192.0.2.1');
    for (let i = 0; i < 5_000; i++) {
      t.fail(`u:junk${i}|203.0.113.5`, limit, '203.0.113.5');
      t.fail('a:203.0.113.5', perAddress);
    }
    expect(t.keys().length).toBeLessThanOrEqual(500);
    expect(t.keys().filter((k) => k.endsWith('|203.0.113.5')).length).toBeLessThanOrEqual(50);
    expect(t.retryAfterMs('a:203.0.113.5', perAddress)).toBeGreaterThan(0);
    expect(t.retryAfterMs('u:admin|192.0.2.1', limit)).toBeGreaterThan(0);
  });
});
