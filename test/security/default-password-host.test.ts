/**
 * DNS rebinding against a fresh gateway: a web page at http://rebind.attacker.example:<port>, whose
 * name the attacker then points at the gateway's address (127.0.0.1 on a developer's machine), is
 * same-origin with the gateway in the browser's eyes. Its Origin and Host agree, so the login CSRF
 * check passes, and the page reads every answer. With the seeded `admin` / `admin123` it could
 * sign in, choose the new password, point a provider's base URL at itself and press "test" (the
 * stored key goes along). Sign-in with the default password is therefore taken only at a host a
 * rebinding page cannot have: an IP address or `localhost`.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

// Password hashes on a loaded machine: seconds. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let port: string;
// No LLM_PROXY__ADMIN__PASSWORD: the seed creates admin/admin123 with a forced change.
useGateway((g) => {
  gw = g;
  port = new URL(g.url).port;
}, { env: { LLM_PROXY__ADMIN__PASSWORD: '' } });

/** A sign-in as the browser at `host` sends it (Origin and Host its own), through the API or the dashboard form. */
function signIn(via: 'api' | 'form', host: string, password = 'admin123', extra: Record<string, string> = {}) {
  const headers = { host, origin: `http://${host}`, ...extra };
  return via === 'api'
    ? fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })
    : fetch(`${gw.url}/login`, { method: 'POST', headers, body: new URLSearchParams({ username: 'admin', password }), redirect: 'manual' });
}

describe('the default password is taken only at an IP address or localhost', () => {
  for (const via of ['api', 'form'] as const) {
    test(`${via}: at a host name (a rebound page) it is refused, 403 default_password_host, no session`, async () => {
      for (const host of [`rebind.attacker.example:${port}`, `attacker.example:${port}`, 'localhost.attacker.example', `localhostx:${port}`]) {
        const res = await signIn(via, host);
        expect({ host, status: res.status, cookie: res.headers.get('set-cookie') }).toEqual({ host, status: 403, cookie: null });
        const text = await res.text();
        if (via === 'api') expect(JSON.parse(text).error).toMatchObject({ type: 'permission_error', code: 'default_password_host' });
        else expect(text).toContain('localhost');
      }
      // A reverse proxy that names the browser's host in x-forwarded-host is judged by that name.
      const proxied = await signIn(via, `127.0.0.1:${port}`, 'admin123', { 'x-forwarded-host': 'rebind.attacker.example', origin: 'http://rebind.attacker.example' });
      expect(proxied.status).toBe(403);
    });

    test(`${via}: at an IP address or localhost it signs in (the change is then forced)`, async () => {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `gw.localhost:${port}`, 'LOCALHOST', '10.1.2.3']) {
        const res = await signIn(via, host);
        expect({ host, status: res.status }).toEqual({ host, status: via === 'api' ? 200 : 303 });
        expect(res.headers.get('set-cookie')).toStartWith('gg_session=');
        if (via === 'api') expect((await res.json()).must_change_password).toBe(true);
        else expect(res.headers.get('location')).toBe('/change-password');
      }
    });
  }

  test('the refusal does not send the user to LLM_PROXY__ADMIN__PASSWORD, which a database that has users ignores', async () => {
    // The gateway is running, so its database exists and the setting would change nothing on a restart.
    for (const via of ['api', 'form'] as const) {
      const text = await (await signIn(via, `gw.example.com:${port}`)).text();
      const message = via === 'api' ? JSON.parse(text).error.message : text;
      expect(message).not.toContain('start the gateway with LLM_PROXY__ADMIN__PASSWORD set');
      expect(message).toContain('LLM_PROXY__ADMIN__PASSWORD is read only when the gateway creates its database');
    }
  });

  test('another password at a host name is judged as always (a wrong one is 401, not told apart from the default)', async () => {
    const res = await signIn('api', `rebind.attacker.example:${port}`, 'not-the-password');
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('invalid_credentials');
  });
});
