/**
 * The auth matrix, generated from the app's own route table: a route added later is covered
 * without editing this file.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import { encodeSessionToken } from '../../src/auth/session-token';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, appRoutes, concretePath, json, login, makeUser, SAMPLE_BODY, useAdminGateway, type Session } from '../helpers/admin-harness';

// Gateways, password hashes and raw sockets: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

let gw: TestGateway;
let admin: Session;
let viewer: Session;
let routes: { method: string; path: string }[];

const PUBLIC = new Set(['POST /api/auth/login']);
// Every signed-in user may do these to their own session, whatever the role.
const SELF_SERVICE = new Set(['POST /api/auth/logout', 'POST /api/auth/change-password']);
const isRead = (m: string) => m === 'GET' || m === 'HEAD';

// The gateway's auth clock runs this far ahead of the real one (a test moves it to expire sessions).
let ahead = 0;

useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  viewer = await makeUser(gw, admin, 'viewer1', 'viewer');
  routes = appRoutes(gw).filter((r) => r.path === '/api' || r.path.startsWith('/api/'));
}, { authClock: () => Date.now() + ahead });

const call = (r: { method: string; path: string }, as: Session | null, extra: Parameters<typeof api>[3] = {}) =>
  api(gw, r.method === 'WS' ? 'GET' : r.method, concretePath(r.path), {
    as,
    body: isRead(r.method) || r.method === 'WS' ? undefined : SAMPLE_BODY,
    ...extra,
  });

async function expectAnthropicError(res: Response, status: number, label: string) {
  expect({ label, status: res.status }).toEqual({ label, status });
  const body = await json(res);
  expect(body).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.any(String), details: { error_code: 'invalid_api_key' } } });
}

async function expectError(res: Response, status: number, label: string) {
  expect({ label, status: res.status }).toEqual({ label, status });
  const body = await json(res);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
}

describe('auth matrix over every /api route', () => {
  test('the route table is the real one', () => {
    const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const k of ['POST /api/clients', 'GET /api/users', 'PATCH /api/providers/:id', 'PUT /api/groups/:name', 'POST /api/groups/try', 'WS /api/monitor/ws'])
      expect(keys.has(k)).toBe(true);
    expect(routes.length).toBeGreaterThan(20);
  });

  test('no credentials -> 401 on every route but login', async () => {
    for (const r of routes) {
      if (PUBLIC.has(`${r.method} ${r.path}`)) continue;
      await expectError(await call(r, null), 401, `${r.method} ${r.path}`);
    }
  });

  test('tampered, expired, forged and foreign tokens -> 401 everywhere', async () => {
    const box = gw.ctx.secretBox;
    const parts = admin.token.split('.');
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    const bad: Record<string, string> = {
      'tampered session id': [flip(parts[0]!), ...parts.slice(1)].join('.'),
      'tampered user id': [parts[0], '2', ...parts.slice(2)].join('.'),
      'tampered version': [parts[0], parts[1], '9', ...parts.slice(3)].join('.'),
      'tampered expiry': [...parts.slice(0, 3), String(Number(parts[3]) + 1000), parts[4]].join('.'),
      'tampered signature': [...parts.slice(0, 4), flip(parts[4]!)].join('.'),
      // correctly signed, but no such session row
      'unknown session': encodeSessionToken(box, { sessionId: 'A'.repeat(22), userId: 1, tokenVersion: 0, expiresAt: Date.now() + 60_000 }),
      expired: encodeSessionToken(box, { sessionId: parts[0]!, userId: 1, tokenVersion: 0, expiresAt: Date.now() - 1 }),
      'client key': gw.clientKey,
    };
    for (const [label, token] of Object.entries(bad)) {
      const s: Session = { token, csrf: admin.csrf, cookie: `gg_session=${token}`, mustChange: false };
      for (const r of routes) {
        if (PUBLIC.has(`${r.method} ${r.path}`)) continue;
        await expectError(await call(r, s), 401, `${label}: ${r.method} ${r.path}`);
        await expectError(await call(r, s, { via: 'cookie' }), 401, `${label} (cookie): ${r.method} ${r.path}`);
      }
    }
    // the real token still works: the failures above were about the token, not the server
    expect((await api(gw, 'GET', '/api/auth/me', { as: admin })).status).toBe(200);
  });

  test('an expired real session -> 401 (clock moved past its expiry)', async () => {
    const s = await login(gw, 'admin', ADMIN_PASSWORD);
    ahead = gw.ctx.auth.sessionTtlMs + 1;
    try {
      for (const r of routes) {
        if (PUBLIC.has(`${r.method} ${r.path}`)) continue;
        await expectError(await call(r, s), 401, `expired: ${r.method} ${r.path}`);
      }
    } finally {
      ahead = 0;
    }
  });

  test('viewer -> 403 on every mutating route and on every /api/users route', async () => {
    let checked = 0;
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (PUBLIC.has(key) || SELF_SERVICE.has(key)) continue;
      if (isRead(r.method) && !r.path.startsWith('/api/users')) continue;
      if (r.method === 'WS') continue;
      checked++;
      await expectError(await call(r, viewer), 403, `viewer: ${key}`);
      // the same with the cookie and a valid CSRF token: the role, not CSRF, refuses it
      const res = await call(r, viewer, { via: 'cookie' });
      expect({ key, status: res.status }).toEqual({ key, status: 403 });
      expect((await json(res)).error.code).toBe('forbidden');
    }
    expect(checked).toBeGreaterThan(12);
  });

  test('viewer may call every read route outside /api/users', async () => {
    for (const r of routes) {
      if (!isRead(r.method) || r.path.startsWith('/api/users')) continue;
      const res = await call(r, viewer);
      expect({ route: `${r.method} ${r.path}`, refused: res.status === 401 || res.status === 403 }).toEqual({ route: `${r.method} ${r.path}`, refused: false });
    }
  });

  test('admin passes the guard on every route', async () => {
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (r.method === 'WS' || SELF_SERVICE.has(key) || PUBLIC.has(key) || r.method === 'DELETE') continue;
      const res = await call(r, admin);
      expect({ route: `${r.method} ${r.path}`, refused: res.status === 401 || res.status === 403 }).toEqual({ route: `${r.method} ${r.path}`, refused: false });
    }
  });

  test('path spellings that dodge an exact match still get the strict rule', async () => {
    for (const p of ['/api/users/', '/api/Users', '/api//users', '/api/%75sers', '/api/users/1/']) {
      const res = await api(gw, 'GET', p, { as: viewer });
      // the guard runs before routing, so even spellings the router would not match are refused
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
      expect((await api(gw, 'GET', p)).status).toBe(401);
    }
  });

  test('every /v1 route refuses: no key, wrong key, revoked key, a session token as a client key', async () => {
    const revoked = gw.addClient('to revoke');
    expect((await api(gw, 'DELETE', `/api/clients/${revoked.id}`, { as: admin })).status).toBe(200);
    // CORS preflight (OPTIONS) is answered without credentials by design: browsers never send
    // them on a preflight, and it returns no data (test/chat/cors.test.ts).
    const v1 = appRoutes(gw).filter((r) => r.path.startsWith('/v1/') && r.method !== 'OPTIONS');
    expect(v1.length).toBeGreaterThanOrEqual(4);
    const creds: Record<string, string | null> = {
      none: null,
      'wrong key': 'gg-wrong-key-0000000000000000000000000000',
      'revoked key': revoked.key,
      'session token': admin.token,
      'malformed header': 'Basic abc',
    };
    for (const r of v1) {
      for (const [label, key] of Object.entries(creds)) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (key) headers.authorization = key.startsWith('Basic') ? key : `Bearer ${key}`;
        const res = await fetch(`${gw.url}${concretePath(r.path.replace('/*', '/gpt-4o'))}`, {
          method: r.method,
          headers,
          body: r.method === 'GET' ? undefined : JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], input: 'hi', prompt: 'a cat' }),
        });
        // Anthropic's Messages API answers in Anthropic's error shape (INTERFACE.md).
        if (r.path.startsWith('/v1/messages')) await expectAnthropicError(res, 401, `${label}: ${r.method} ${r.path}`);
        else await expectError(res, 401, `${label}: ${r.method} ${r.path}`);
      }
    }
    // and the valid key passes the same routes' auth
    expect((await gw.fetch('/v1/models')).status).toBe(200);
  });

  test('raw request targets with dot segments or encodings never reach a route unauthenticated', async () => {
    const port = Number(new URL(gw.url).port);
    const raw = (target: string) =>
      new Promise<number>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
        let buf = '';
        s.on('data', (d) => (buf += d));
        s.on('end', () => resolve(Number(buf.split(' ')[1])));
        s.on('error', reject);
      });
    for (const target of ['/v1/../api/users', '/v1/%2e%2e/api/clients', '/./api/users', '//api/users', '/api/./users', '/%61pi/clients', '/API/clients', '/api/users%2f', 'http://127.0.0.1/api/clients']) {
      const status = await raw(target);
      expect({ target, ok: status === 401 || status === 404 }).toEqual({ target, ok: true });
    }
    expect(await raw('/api/clients')).toBe(401);
  });

  test('hostile Host headers, prefixed paths and absolute-form targets never reach a route unauthenticated', async () => {
    const port = Number(new URL(gw.url).port);
    // Raw TCP: fetch would normalise the Host header and the request target.
    const raw = (method: string, target: string, host: string, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const head = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
        if (body !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
        const s = connect(port, '127.0.0.1', () => s.write(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`));
        let buf = '';
        s.on('data', (d) => (buf += d));
        s.on('end', () => resolve({ status: Number(buf.split(' ')[1]), body: buf.slice(buf.indexOf('\r\n\r\n') + 4) }));
        s.on('error', reject);
      });
    // Hosts that are not a valid host[:port]: refused before routing with 400 `invalid_host`.
    const invalidHosts = ['a/b', 'evil.com/', '/', 'a:1/x', 'a b', '127.0.0.1:99999', 'a:', ''];
    // Valid but unusual hosts: very short, with a port, bracketed IPv6.
    const oddHosts = ['a', 'ab', 'a:1', 'evil.com', '127.0.0.1:1', '[::1]:8080', 'x.y.z:65535'];
    let checked = 0;
    for (const r of routes) {
      if (PUBLIC.has(`${r.method} ${r.path}`)) continue;
      const method = r.method === 'WS' ? 'GET' : r.method;
      const path = concretePath(r.path);
      const body = isRead(method) ? undefined : JSON.stringify(SAMPLE_BODY);
      const key = `${r.method} ${r.path}`;
      for (const host of invalidHosts) {
        const res = await raw(method, path, host, body);
        expect({ key, host, status: res.status }).toEqual({ key, host, status: 400 });
        expect(JSON.parse(res.body).error.code).toBe('invalid_host');
        checked++;
      }
      for (const host of oddHosts) {
        // the plain path: exactly 401
        const res = await raw(method, path, host, body);
        expect({ key, host, status: res.status }).toEqual({ key, host, status: 401 });
        // prefixed paths and absolute-form targets: refused (401) or no such route (404), never 2xx/3xx/400
        for (const target of [`/xx${path}`, `/x${path}`, `/a${path}`, `http://127.0.0.1${path}`, `http://a/b${path}`, `http://evil.com:1${path}`, `http://a${path}`]) {
          const { status } = await raw(method, target, host, body);
          expect({ key, host, target, ok: status === 401 || status === 404 }).toEqual({ key, host, target, ok: true });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
    // auth is checked before the body is parsed or validated: 401, not 400
    for (const host of ['127.0.0.1', 'a'])
      for (const body of ['{}', 'not json', '{"name":'])
        for (const target of ['/api/clients', 'http://127.0.0.1/api/clients'])
          expect({ host, body, target, status: (await raw('POST', target, host, body)).status }).toEqual({ host, body, target, status: 401 });
    // /v1 routes served by Bun's router refuse a bad Host too (before the key is even looked at)
    const v1 = await raw('POST', '/v1/chat/completions', 'a/b', '{}');
    expect(v1.status).toBe(400);
    expect(JSON.parse(v1.body).error.code).toBe('invalid_host');
  });

  test('a session token is not a client key on /v1', async () => {
    for (const path of ['/v1/models', '/v1/chat/completions']) {
      const res = await fetch(`${gw.url}${path}`, {
        method: path.endsWith('models') ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: path.endsWith('models') ? undefined : JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(401);
    }
  });
});
