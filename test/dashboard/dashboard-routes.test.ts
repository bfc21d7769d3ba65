/**
 * The dashboard over real HTTP (app.listen(0) on a temp database): full page vs HTMX partial,
 * redirects (303 vs HX-Location), security headers, embedded assets, and the server refusing
 * what a viewer or a CSRF-less request may not do.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '../../src/admin/users-service';
import { createApp } from '../../src/app';
import { DASHBOARD_SCRIPTS } from '../../src/dashboard/assets-routes';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
const ADMIN_PW = 'test-admin-password';

async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  expect(r.status).toBe(303);
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${gw.url}/`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}

beforeAll(async () => {
  gw = await startGateway();
  await createUser(gw.ctx.db, 'viewer1', 'viewer-password-1', 'viewer', false);
});
afterAll(() => gw.close());

describe('dashboard routes', () => {
  test('no session: pages redirect to /login (303, or HX-Location for HTMX)', async () => {
    const plain = await fetch(`${gw.url}/clients`, { redirect: 'manual' });
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe('/login');
    const hx = await fetch(`${gw.url}/clients`, { headers: { 'hx-request': 'true', 'hx-target': 'main' }, redirect: 'manual' });
    expect(hx.status).toBe(200);
    expect(JSON.parse(hx.headers.get('hx-location')!)).toEqual({ path: '/login', target: 'body' });
  });

  test('full page on direct load, partial for an HTMX swap into #main; strict CSP on both', async () => {
    const { cookie } = await signIn('admin', ADMIN_PW);
    const full = await fetch(`${gw.url}/providers`, { headers: { cookie } });
    const fullHtml = await full.text();
    expect(fullHtml.startsWith('<!doctype html><html')).toBe(true);
    expect(fullHtml).toContain('class="sidebar"');
    const part = await fetch(`${gw.url}/providers`, { headers: { cookie, 'hx-request': 'true', 'hx-target': 'main' } });
    const partHtml = await part.text();
    expect(partHtml).not.toContain('<html');
    expect(partHtml).not.toContain('class="sidebar"');
    expect(partHtml).toContain('data-page="providers"');
    for (const r of [full, part]) {
      const csp = r.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self' 'unsafe-eval'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline\'; script'); // inline scripts stay forbidden
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('same-origin');
    }
    // No inline <script> anywhere: every script is one of our files.
    expect([...fullHtml.matchAll(/<script([^>]*)>/g)].every((m) => /src="\/assets\//.test(m[1]!))).toBe(true);
  });

  test('the Models page shows a model\u2019s long-context tier under its id, to admins and viewers', async () => {
    for (const [user, pw] of [['admin', ADMIN_PW], ['viewer1', 'viewer-password-1']] as const) {
      const { cookie } = await signIn(user, pw);
      const html = await (await fetch(`${gw.url}/models?provider=gemini`, { headers: { cookie } })).text();
      const row = /<tr id="model-gemini-2_002e5-pro">[\s\S]*?<\/tr>/.exec(html)![0];
      expect(row).toContain('from 200,001 prompt tokens: in 2.5, cache read 0.25, out 15');
      // No tier: no note (an admin gets the editor's "no long-context tier" instead).
      const flash = /<tr id="model-gemini-2_002e5-flash">[\s\S]*?<\/tr>/.exec(html)![0];
      expect(flash).not.toContain('prompt tokens:');
      expect(flash.includes('no long-context tier')).toBe(user === 'admin');
    }
  });

  test('assets are embedded, typed and cached long; unknown names 404', async () => {
    for (const [name, type] of [['htmx.min.js', 'javascript'], ['alpine.min.js', 'javascript'], ['chart.umd.min.js', 'javascript'], ...DASHBOARD_SCRIPTS.map((n) => [n, 'javascript']), ['app.css', 'css']]) {
      const r = await fetch(`${gw.url}/assets/${name}?v=1`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain(type);
      expect(r.headers.get('cache-control')).toContain('max-age=31536000');
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await fetch(`${gw.url}/assets/..%2Fpackage.json`)).status).toBe(404);
    const missing = await fetch(`${gw.url}/assets/nothing.js`);
    expect([missing.status, missing.headers.get('content-type')]).toEqual([404, 'application/json']);
    expect(((await missing.json()) as any).error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' });
  });

  test("every 404 under /assets (a name it lacks, a deeper path, another method) and a page's JSON 404 carry the dashboard's security headers", async () => {
    const answers = [
      await fetch(`${gw.url}/assets/nothing.js`),
      await fetch(`${gw.url}/assets/..%2Fpackage.json`),
      await fetch(`${gw.url}/assets/deeper/app.css`),
      await fetch(`${gw.url}/assets/app.css`, { method: 'POST' }),
      await fetch(`${gw.url}/no-such-page`),
    ];
    for (const r of answers) {
      expect([r.url, r.status, r.headers.get('content-type')]).toEqual([r.url, 404, 'application/json']);
      expect([r.url, r.headers.get('x-content-type-options'), r.headers.get('x-frame-options'), r.headers.get('referrer-policy')]).toEqual([r.url, 'nosniff', 'DENY', 'same-origin']);
      expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    // The APIs keep their own headers: /v1's 404 is OpenAI's, with no page policy.
    expect((await fetch(`${gw.url}/v1/nothing`)).headers.get('content-security-policy')).toBeNull();
  });

  test('every script in web/ is loaded by the pages, in DASHBOARD_SCRIPTS order, before htmx, Chart.js and Alpine', async () => {
    const web = readdirSync(join(import.meta.dir, '../../web')).filter((f) => f.endsWith('.js'));
    expect(web.toSorted()).toEqual([...DASHBOARD_SCRIPTS].toSorted());
    const page = await (await fetch(`${gw.url}/login`)).text();
    const srcs = [...page.matchAll(/<script src="\/assets\/([^"?]+)\?v=[^"]*"( defer)?><\/script>/g)].map((m) => `${m[1]}${m[2] ?? ''}`);
    expect(srcs).toEqual(['format.js', ...DASHBOARD_SCRIPTS, 'htmx.min.js defer', 'chart.umd.min.js defer', 'alpine.min.js defer']);
  });

  test('mutations need the CSRF header, and the admin role', async () => {
    const admin = await signIn('admin', ADMIN_PW);
    const post = (who: { cookie: string; csrf?: string }, path: string, body: Record<string, string>) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { cookie: who.cookie, 'hx-request': 'true', ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) },
        body: new URLSearchParams(body),
      });
    expect((await post({ cookie: admin.cookie }, '/clients', { name: 'no-csrf' })).status).toBe(403);
    const ok = await post(admin, '/clients', { name: 'with-csrf' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('id="new-key-value"');

    const viewer = await signIn('viewer1', 'viewer-password-1');
    expect((await post(viewer, '/clients', { name: 'forged' })).status).toBe(403);
    expect((await post(viewer, '/models/gpt-4o', { enabled: 'false' })).status).toBe(403);
    expect((await post(viewer, '/groups', { name: 'x', strategy: 'heuristic', targets: 'gpt-4o' })).status).toBe(403);
    expect((await fetch(`${gw.url}/users`, { headers: { cookie: viewer.cookie } })).status).toBe(403);
    const clientsPage = await (await fetch(`${gw.url}/clients`, { headers: { cookie: viewer.cookie } })).text();
    expect(clientsPage).toContain('with-csrf');
    expect(clientsPage).not.toContain('hx-post="/clients');
  });

  test("a refused password change answers only its form's errors, never the passwords; guessing on gets 429 with retry-after", async () => {
    await createUser(gw.ctx.db, 'guesser', 'guesser-password-1', 'viewer', false);
    const me = await signIn('guesser', 'guesser-password-1');
    const change = (current: string, next: string, confirm = next) => fetch(`${gw.url}/change-password`, {
      method: 'POST',
      headers: { cookie: me.cookie, 'x-csrf-token': me.csrf, 'hx-request': 'true' },
      body: new URLSearchParams({ current_password: current, new_password: next, confirm_password: confirm }),
    });
    const differ = await change('guesser-password-1', 'new-password-0001', 'new-password-0002');
    const differHtml = await differ.text();
    expect([differ.status, differ.headers.get('hx-retarget')]).toEqual([422, '#change-password-errors']);
    expect(differHtml).toContain('data-param="confirm_password"');
    expect(differHtml).not.toContain('new-password-000');
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 8 && statuses.at(-1) !== 429; i++) {
      last = await change(`wrong-guess-${i}`, 'new-password-0001');
      statuses.push(last.status);
    }
    expect(statuses[0]).toBe(422);
    expect(statuses.at(-1)).toBe(429);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.headers.get('hx-retarget')).toBe('#change-password-errors');
    const html = await last!.text();
    expect(html).toContain('class="form-errors"');
    expect(html).not.toContain('wrong-guess');
  }, 30_000);

  test('validation errors come back inline as 422 fragments', async () => {
    const admin = await signIn('admin', ADMIN_PW);
    const r = await fetch(`${gw.url}/groups/fast-flow`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true' },
      body: new URLSearchParams({ strategy: 'heuristic', targets: 'fast-flow' }),
    });
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(html).toContain('class="form-errors"');
    expect(html).toMatch(/cycle|itself/i);
  });

  test('every dashboard mutation route (listed from the app) refuses anonymous and viewer callers', async () => {
    // Generated from the app's own routes, so a mutation added later cannot be forgotten.
    const open = new Set(['POST /login']);
    const routes = createApp(gw.ctx).routes
      .filter((r) => !['GET', 'HEAD', 'OPTIONS', 'WS', '$INTERNALWS'].includes(r.method))
      .filter((r) => !/^\/(api|v1)(\/|$)/.test(r.path) && !open.has(`${r.method} ${r.path}`))
      .map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, (_m, n) => (n === 'id' ? '1' : 'fast-flow')) }));
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const viewer = await signIn('viewer1', 'viewer-password-1');
    for (const r of routes) {
      const anon = await fetch(`${gw.url}${r.path}`, { method: r.method, headers: { 'hx-request': 'true' }, body: new URLSearchParams({ name: 'x' }) });
      // Signing out and changing one's own password are the changes a viewer may make; not sent
      // here, since either would end the session this loop uses.
      const viewerAllowed = r.path === '/logout' || r.path === '/change-password';
      const asViewer = viewerAllowed ? null : await fetch(`${gw.url}${r.path}`, {
        method: r.method,
        headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'hx-request': 'true' },
        body: new URLSearchParams({ name: 'x', enabled: 'false', role: 'admin' }),
      });
      expect({ route: `${r.method} ${r.path}`, anon: anon.status, viewer: asViewer ? asViewer.status : 'own session' })
        .toEqual({ route: `${r.method} ${r.path}`, anon: 401, viewer: viewerAllowed ? 'own session' : 403 });
    }
  });

  test('every dashboard mutation route refuses an admin cookie without the CSRF header (a form posted by another site)', async () => {
    // Generated from the app's own routes, as above: the guard must come with every new mutation.
    const routes = createApp(gw.ctx).routes
      .filter((r) => !['GET', 'HEAD', 'OPTIONS', 'WS', '$INTERNALWS'].includes(r.method))
      .filter((r) => !/^\/(api|v1)(\/|$)/.test(r.path) && `${r.method} ${r.path}` !== 'POST /login')
      .map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, (_m, n) => (n === 'id' ? '1' : 'fast-flow')) }));
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const admin = await signIn('admin', ADMIN_PW);
    for (const r of routes) {
      const forged = await fetch(`${gw.url}${r.path}`, {
        method: r.method,
        headers: { cookie: admin.cookie, origin: 'https://evil.example' },
        body: new URLSearchParams({ name: 'x', enabled: 'false', role: 'viewer', current_password: ADMIN_PW, new_password: 'another-long-password-1', confirm_password: 'another-long-password-1' }),
      });
      const code = forged.status === 403 ? ((await forged.json()) as { error: { code: string } }).error.code : null;
      expect({ route: `${r.method} ${r.path}`, status: forged.status, code }).toEqual({ route: `${r.method} ${r.path}`, status: 403, code: 'csrf_failed' });
    }
    // The session still works: the forged sign-out above did not end it.
    expect((await fetch(`${gw.url}/clients`, { headers: { cookie: admin.cookie }, redirect: 'manual' })).status).toBe(200);
  });
});
