/** Login CSRF: another site must not be able to sign a visitor's browser into an account. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, useAdminGateway } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
useAdminGateway((s) => void (gw = s.gw));

const formLogin = (origin: string | null) =>
  fetch(`${gw.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin === null ? {} : { origin }) },
    body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }).toString(),
    redirect: 'manual',
  });
const apiLogin = (origin: string | null) =>
  fetch(`${gw.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin === null ? {} : { origin }) },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });

describe('sign-in from another origin', () => {
  for (const [label, send] of [['the /login form', formLogin], ['POST /api/auth/login', apiLogin]] as const) {
    test(`${label}: a foreign or null Origin is refused with 403 and no session cookie`, async () => {
      for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:1`, 'https://127.0.0.1']) {
        const res = await send(origin);
        expect({ origin, status: res.status }).toEqual({ origin, status: 403 });
        expect(res.headers.get('set-cookie')).toBeNull();
      }
    });

    test(`${label}: the gateway's own Origin, or none (scripts), signs in`, async () => {
      for (const origin of [gw.url, null]) {
        const res = await send(origin);
        expect(res.status === 200 || res.status === 303).toBe(true);
        expect(res.headers.get('set-cookie')).toStartWith('gg_session=');
      }
    });
  }
});
