/**
 * What a signed-in browser gets when a dashboard request fails (SQLite): an HTML page in the
 * dashboard's layout with the right status and a way back (not the API's JSON), the page's
 * content alone for HTMX (shown in #main or as a notice by web/htmx-setup.js), no stack or SQL text.
 * /v1, /api and non-browser clients keep their JSON error shapes.
 */
import { expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { api, login, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let admin: Session;
let viewer: Session;
useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  viewer = await makeUser(gw, admin, 'error-viewer', 'viewer');
});

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const NAV = { 'hx-request': 'true', 'hx-target': 'main', 'hx-current-url': 'http://x/' };
const form = (s: Session, extra: Record<string, string> = {}) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/x-www-form-urlencoded', ...extra });

async function page(path: string, headers: Record<string, string>, init: RequestInit = {}) {
  const r = await fetch(`${gw.url}${path}`, { redirect: 'manual', ...init, headers });
  return { status: r.status, type: r.headers.get('content-type'), headers: r.headers, html: await r.text() };
}

/** The error content every form of the answer carries. */
function expectErrorContent(html: string, status: number, title: string) {
  expect(html).toContain(`data-page="error" data-status="${status}"`);
  expect(html).toContain(`<strong>${title}</strong>`);
  expect(html).toContain('data-error-message');
  expect(html).not.toContain('"error":{');
}

test('an unknown page: 404 in the layout (sidebar, who is signed in) with a link back; no JSON', async () => {
  const r = await page('/no-such-page', { ...BROWSER, cookie: admin.cookie });
  expect([r.status, r.type]).toEqual([404, 'text/html; charset=utf-8']);
  expect(r.html.startsWith('<!doctype html>')).toBe(true);
  expectErrorContent(r.html, 404, 'Page not found');
  expect(r.html).toContain('class="sidebar"');
  expect(r.html).toContain('<span class="user">admin</span>');
  expect(r.html).toContain('href="/">Back to the dashboard</a>');
  expect(r.html).toContain('<title>Page not found · GopherGate</title>');

  // Signed out: the same page without the sidebar.
  const anon = await page('/no-such-page', BROWSER);
  expect(anon.status).toBe(404);
  expectErrorContent(anon.html, 404, 'Page not found');
  expect(anon.html).not.toContain('class="sidebar"');

  // A method the route does not have is the same 404 page.
  expect((await page('/users', { ...BROWSER, cookie: admin.cookie }, { method: 'PUT' })).status).toBe(404);
});

test('HTMX: a page swapped into #main gets the error content and its <title>; other requests the content only', async () => {
  const nav = await page('/no-such-page', { cookie: admin.cookie, ...NAV });
  expect(nav.status).toBe(404);
  expect(nav.html.startsWith('<title>Page not found · GopherGate</title><div class="page" data-page="error"')).toBe(true);
  expect(nav.html).not.toContain('class="sidebar"');

  // A viewer's forged save: 403 with the message web/htmx-setup.js shows (not JSON it cannot swap).
  const forged = await page('/clients', form(viewer, { 'hx-request': 'true' }), { method: 'POST', body: 'name=forged' });
  expect([forged.status, forged.type]).toEqual([403, 'text/html; charset=utf-8']);
  expect(forged.html.startsWith('<div class="page" data-page="error"')).toBe(true);
  expectErrorContent(forged.html, 403, 'Not allowed');
  expect(forged.html).toContain('This action needs the admin role.');

  // A page open across a sign-in elsewhere (stale CSRF token): says to reload, not "x-csrf-token".
  const stale = await page('/clients', form(admin, { 'hx-request': 'true', 'x-csrf-token': 'stale' }), { method: 'POST', body: 'name=stale' });
  expect(stale.status).toBe(403);
  expect(stale.html).toContain('Reload it and try again.');
  expect(stale.html).not.toContain('x-csrf-token header');
});

test('a session that ended: HTMX keeps its HX-Location to the sign-in page; a plain form post gets a page saying so', async () => {
  const ended = await login(gw, 'error-viewer', 'error-viewer-password-1');
  expect((await api(gw, 'POST', '/api/auth/logout', { as: ended })).status).toBe(200);
  const hx = await page('/logout', form(ended, { 'hx-request': 'true' }), { method: 'POST' });
  expect(hx.status).toBe(401);
  expect(JSON.parse(hx.headers.get('hx-location')!)).toEqual({ path: '/login', target: 'body' });
  const plain = await page('/logout', { ...BROWSER, ...form(ended) }, { method: 'POST' });
  expect(plain.status).toBe(401);
  expectErrorContent(plain.html, 401, 'Signed out');
  expect(plain.html).toContain('href="/login">Sign in</a>');
});

test('a body over the size cap: 413 as a page for the browser, JSON for /api', async () => {
  const max = gw.ctx.config.server.maxBodyMb * 1024 * 1024;
  const big = await page('/clients', { ...BROWSER, ...form(admin), 'content-length': String(max + 1) }, { method: 'POST', body: 'x'.repeat(max + 1) });
  expect([big.status, big.type]).toEqual([413, 'text/html; charset=utf-8']);
  expectErrorContent(big.html, 413, 'Too large');
  const viaApi = await fetch(`${gw.url}/api/clients`, { method: 'POST', headers: { ...BROWSER, authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: 'x'.repeat(max + 1) });
  expect(viaApi.status).toBe(413);
  expect(((await viaApi.json()) as any).error.code).toBeString();
});

test('a failure inside a page (a table gone): 500 page with Retry, no SQL text or stack; the page works again after', async () => {
  gw.ctx.db.run(sql`ALTER TABLE teams RENAME TO teams_away`);
  try {
    const r = await page('/teams?x=1', { ...BROWSER, cookie: admin.cookie });
    expect([r.status, r.type]).toEqual([500, 'text/html; charset=utf-8']);
    expectErrorContent(r.html, 500, 'Something went wrong');
    expect(r.html).toContain('class="btn primary" href="/teams?x=1">Retry</a>');
    expect(r.html).toContain('class="sidebar"');
    expect(r.html).not.toMatch(/teams_away|no such table|SQLite|at \S+\.ts/i);
    const hx = await page('/teams', { cookie: admin.cookie, ...NAV });
    expect(hx.status).toBe(500);
    expectErrorContent(hx.html, 500, 'Something went wrong');
  } finally {
    gw.ctx.db.run(sql`ALTER TABLE teams_away RENAME TO teams`);
  }
  expect((await page('/teams', { ...BROWSER, cookie: admin.cookie })).status).toBe(200);
});

test('/v1, /api, assets and clients that do not ask for HTML keep the JSON error shape', async () => {
  for (const [path, headers] of [
    ['/no-such-page', { cookie: admin.cookie }],
    ['/no-such-page', { cookie: admin.cookie, accept: 'application/json' }],
    ['/api/no-such-route', { ...BROWSER, cookie: admin.cookie }],
    ['/v1/no-such-route', { ...BROWSER, authorization: `Bearer ${gw.clientKey}` }],
    ['/assets/nothing.js', BROWSER],
  ] as const) {
    const r = await fetch(`${gw.url}${path}`, { headers });
    expect([path, r.status, r.headers.get('content-type')]).toEqual([path, 404, 'application/json']);
    expect(((await r.json()) as any).error.code).toBe('not_found');
  }
  const forged = await api(gw, 'POST', '/api/clients', { as: viewer, body: { name: 'x' }, headers: BROWSER });
  expect([forged.status, ((await forged.json()) as any).error.code]).toEqual([403, 'forbidden']);
});

test('a save while the password must be changed first says so in words, not as an API route', async () => {
  const password = 'must-change-pass-1';
  expect((await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'must-change', password, role: 'admin', must_change_password: true } })).status).toBe(201);
  const s = await login(gw, 'must-change', password);
  expect(s.mustChange).toBe(true);
  const r = await page('/clients', form(s, { 'hx-request': 'true' }), { method: 'POST', body: 'name=blocked' });
  expect(r.status).toBe(403);
  expectErrorContent(r.html, 403, 'Change your password first');
  expect(r.html).not.toContain('/api/');
  expect(r.html).toContain('href="/change-password"');
  // The API keeps its own wording.
  const json = await (await api(gw, 'POST', '/api/clients', { as: s, body: { name: 'blocked' } })).json();
  expect(json.error.code).toBe('password_change_required');
});

test('a save SQLite cannot write just now (another writer holds the lock): 503 saying to retry in a moment, on the page and on /api', async () => {
  const { Database } = await import('bun:sqlite');
  const other = new Database(gw.ctx.config.database.path);
  other.exec('BEGIN IMMEDIATE'); // holds the write lock past the gateway's busy_timeout
  try {
    const r = await page('/clients', form(admin, { 'hx-request': 'true' }), { method: 'POST', body: 'name=locked-out' });
    expect(r.status).toBe(503);
    expectErrorContent(r.html, 503, 'Database busy');
    expect(r.html).toContain('retry in a moment');
    expect(r.html).not.toContain('unexpected error');
    const a = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'locked-out' } });
    expect(a.status).toBe(503);
    expect(a.headers.get('retry-after')).toBe('1');
    expect((await a.json()).error).toMatchObject({ type: 'api_error', code: 'store_busy' });
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  expect((await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'after-lock' } })).status).toBe(201);
}, 60_000); // each save waits out the gateway's busy_timeout first; the limit only bounds a hang
