/**
 * Routes declare who may call them: `{ role }` (sessionGuard, /api) and `{ page: true }` /
 * `{ role }` (pageGuard, dashboard). The macros hand the handler the caller, so no handler checks
 * for itself; built per app, so two apps in one process never share a guard.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Elysia } from 'elysia';
import { errorHandler } from '../../src/api/error-handler';
import { sessionGuard } from '../../src/auth/session-guard';
import { adminRoute, pageGuard, pageRoute } from '../../src/dashboard/dash-session';
import { api, ADMIN_PASSWORD, login, makeUser, type Session } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
let viewer: Session;
let forced: Session;

beforeAll(async () => {
  gw = await startGateway();
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  viewer = await makeUser(gw, admin, 'macroviewer', 'viewer');
  // A user who must change the password first.
  const r = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'forced', password: 'forced-password-1', role: 'viewer', must_change_password: true } });
  expect(r.status).toBe(201);
  forced = await login(gw, 'forced', 'forced-password-1');
});
afterAll(() => gw.close());

const send = (app: { handle: (r: Request) => Promise<Response> }, method: string, path: string, s: Session | null, csrf = true) => {
  const headers: Record<string, string> = {};
  if (s) headers.cookie = s.cookie;
  if (s && csrf) headers['x-csrf-token'] = s.csrf;
  return app.handle(new Request(`http://localhost${path}`, { method, headers }));
};

describe('sessionGuard role macro', () => {
  const app = () =>
    new Elysia()
      .use(errorHandler)
      .use(sessionGuard(gw.ctx))
      .get('/me', ({ auth }) => auth.user.username, { role: 'viewer' })
      .post('/admin', ({ auth }) => `admin ${auth.user.username}`, { role: 'admin' })
      .post('/bye', ({ auth }) => `bye ${auth.user.username}`, { role: { role: 'viewer', duringPasswordChange: true } });

  test('hands the handler the caller, never null', async () => {
    expect(await (await send(app(), 'GET', '/me', viewer)).text()).toBe('macroviewer');
    expect((await send(app(), 'GET', '/me', null)).status).toBe(401);
    expect((await send(app(), 'POST', '/admin', viewer)).status).toBe(403);
    expect(await (await send(app(), 'POST', '/admin', admin)).text()).toBe('admin admin');
  });

  test('a forced password change blocks `viewer`, not a route that allows it', async () => {
    const blocked = await send(app(), 'GET', '/me', forced);
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as any).error.code).toBe('password_change_required');
    expect(await (await send(app(), 'POST', '/bye', forced)).text()).toBe('bye forced');
  });
});

describe('pageGuard', () => {
  const app = (ctx = gw.ctx) =>
    new Elysia()
      .use(errorHandler)
      .use(pageGuard(ctx))
      .get('/page', ({ user }) => `page for ${user.username} (${user.role})`, pageRoute())
      .post('/change', ({ user }) => `changed by ${user.username}`, adminRoute());

  test('a page redirects without a session and hands over the user with one', async () => {
    const anon = await send(app(), 'GET', '/page', null);
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/login');
    const forcedPage = await send(app(), 'GET', '/page', forced);
    expect(forcedPage.headers.get('location')).toBe('/change-password');
    expect(await (await send(app(), 'GET', '/page', viewer)).text()).toBe('page for macroviewer (viewer)');
  });

  test('a state change needs the admin role and the CSRF header', async () => {
    expect((await send(app(), 'POST', '/change', viewer)).status).toBe(403);
    expect((await send(app(), 'POST', '/change', admin, false)).status).toBe(403);
    expect(await (await send(app(), 'POST', '/change', admin)).text()).toBe('changed by admin');
  });

  test('a second app gets its own guard (route options are not shared between apps)', async () => {
    const other = await startGateway();
    try {
      const otherAdmin = await login(other, 'admin', ADMIN_PASSWORD);
      const first = app();
      const second = app(other.ctx);
      // A session of one gateway means nothing to the other.
      expect((await send(second, 'GET', '/page', viewer)).status).toBe(303);
      expect(await (await send(second, 'GET', '/page', otherAdmin)).text()).toBe('page for admin (admin)');
      expect(await (await send(first, 'GET', '/page', viewer)).text()).toBe('page for macroviewer (viewer)');
      // The real dashboard of the second gateway checks its own sessions (a guard carried over
      // from the first app's routes would send this admin to /login).
      const page = await fetch(`${other.url}/providers`, { headers: { cookie: otherAdmin.cookie } });
      expect(page.status).toBe(200);
    } finally {
      await other.close();
    }
    // The real dashboard still answers after another gateway in the process closed its database.
    const page = await fetch(`${gw.url}/providers`, { headers: { cookie: viewer.cookie } });
    expect(page.status).toBe(200);
  });
});
