import { expect, setDefaultTimeout, test } from 'bun:test';
import { Elysia } from 'elysia';
import { errorHandler } from '../../src/api/error-handler';
import { sessionGuard } from '../../src/auth/session-guard';
import type { TestGateway } from '../helpers/start-gateway';
import { makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';

// Starting a gateway and hashing passwords takes seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
let viewer: Session;
useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  viewer = await makeUser(gw, admin, 'pageviewer', 'viewer');
});

// A page plugin outside /api, the way the dashboard uses the guard.
const pages = () =>
  new Elysia()
    .use(errorHandler)
    .use(sessionGuard(gw.ctx))
    .get('/page', ({ auth }) => auth?.user.username ?? 'anonymous')
    .post('/page/action', () => 'done', { role: 'admin' })
    .get('/page/read', () => 'read', { role: 'viewer' });

const req = (method: string, path: string, s: Session | null, csrf?: string | null) => {
  const headers: Record<string, string> = {};
  if (s) headers.cookie = s.cookie;
  if (csrf) headers['x-csrf-token'] = csrf;
  return pages().handle(new Request(`http://localhost${path}`, { method, headers }));
};

test('`auth` is derived (null without a session) and `role` enforces session, CSRF and role', async () => {
  expect(await (await req('GET', '/page', null)).text()).toBe('anonymous');
  expect(await (await req('GET', '/page', viewer)).text()).toBe('pageviewer');
  expect((await req('GET', '/page/read', null)).status).toBe(401);
  expect((await req('GET', '/page/read', viewer)).status).toBe(200);
  expect((await req('POST', '/page/action', viewer, viewer.csrf)).status).toBe(403);
  expect((await req('POST', '/page/action', admin, null)).status).toBe(403);
  const ok = await req('POST', '/page/action', admin, admin.csrf);
  expect(ok.status).toBe(200);
  expect(await ok.text()).toBe('done');
});
