/** Sign-in bounds and the failed-login throttle: what an attacker can and cannot do to it. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { authRuntime } from '../../src/auth/auth-runtime';
import { login as loginService } from '../../src/auth/login-service';
import { LoginThrottle, MAX_KEY_CHARS } from '../../src/auth/login-throttle';
import { useAdminGateway } from '../helpers/admin-harness';
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
