/**
 * The password change checks the current password: with a stolen session, that check must not be
 * an unthrottled oracle for the password. A wrong current password counts as a failed sign-in of
 * that user from that address, by the API and by the dashboard form alike.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { login as loginService } from '../../src/auth/login-service';
import { api, login, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => {
  gw = s.gw;
  admin = s.admin;
});

const NEW_PASSWORD = 'a-brand-new-passphrase-42';

test('POST /api/auth/change-password: five wrong current passwords, then 429 even for the right one', async () => {
  const user = await makeUser(gw, admin, 'apiguess', 'viewer');
  const change = (current: string) =>
    api(gw, 'POST', '/api/auth/change-password', { as: user, body: { current_password: current, new_password: NEW_PASSWORD } });
  for (let i = 0; i < 5; i++) {
    const res = await change(`wrong-guess-${i}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_password');
  }
  const throttled = await change('apiguess-password-1');
  expect(throttled.status).toBe(429);
  expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await throttled.json()).error.code).toBe('login_throttled');
  // The same counter as sign-in: the guesses also closed sign-in for this user from this address.
  const signIn = await api(gw, 'POST', '/api/auth/login', { body: { username: 'apiguess', password: 'apiguess-password-1' } });
  expect(signIn.status).toBe(429);
  // ...and the password was not changed: the old one still signs in from another address.
  const elsewhere = await loginService(gw.ctx, 'apiguess', 'apiguess-password-1', '198.51.100.23');
  expect(elsewhere.user.username).toBe('apiguess');
});

test('the dashboard form: wrong current passwords are counted too, then the page answers 429', async () => {
  const user = await makeUser(gw, admin, 'formguess', 'viewer');
  const change = (current: string) =>
    fetch(`${gw.url}/change-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: user.cookie, 'x-csrf-token': user.csrf },
      body: new URLSearchParams({ current_password: current, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD }).toString(),
      redirect: 'manual',
    });
  for (let i = 0; i < 5; i++) expect((await change(`wrong-guess-${i}`)).status).toBe(422);
  const throttled = await change('formguess-password-1');
  expect(throttled.status).toBe(429);
  expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await throttled.text()).toContain('Too many failed sign-ins');
});

test('a right current password below the limit still changes it', async () => {
  const user = await makeUser(gw, admin, 'okchange', 'viewer');
  const wrong = await api(gw, 'POST', '/api/auth/change-password', { as: user, body: { current_password: 'nope-nope', new_password: NEW_PASSWORD } });
  expect(wrong.status).toBe(400);
  const ok = await api(gw, 'POST', '/api/auth/change-password', { as: user, body: { current_password: 'okchange-password-1', new_password: NEW_PASSWORD } });
  expect(ok.status).toBe(200);
  expect((await login(gw, 'okchange', NEW_PASSWORD)).token).toBeTruthy();
});
