/**
 * The dashboard while PostgreSQL is unreachable (a loopback TCP proxy the test cuts), as a
 * signed-in browser meets it: a page says the database is unavailable (503, HTML, Retry) instead
 * of sending the user to the sign-in form as if signed out, whether or not the session was
 * cached; the session works again once PostgreSQL is back. The live monitor stays connected.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

let pg: ProxiedDatabase;
let gw: TestGateway;
let admin: Session;

beforeAll(async () => {
  // Refused connections: each query fails at once (the point here is the pages, not the connection timeout).
  pg = await createProxiedDatabase({ adminPassword: ADMIN_PASSWORD, refuse: true });
  gw = await startGateway({ env: { LLM_PROXY__DATABASE__URL: pg.url, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
}, 60_000);

afterAll(() => pg?.close(async () => gw?.close()));

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as any;

async function get(path: string, headers: Record<string, string>) {
  const r = await fetch(`${gw.url}${path}`, { headers, redirect: 'manual' });
  return { status: r.status, headers: r.headers, html: await r.text() };
}

/** Cuts PostgreSQL for the length of `f`, then waits until the gateway sees it back. */
async function duringOutage(f: () => Promise<void>, waitForProbe: boolean): Promise<void> {
  expect((await get('/clients', { cookie: admin.cookie })).status).toBe(200);
  pg.proxy.cut();
  try {
    if (waitForProbe) await waitDegraded();
    // The session is not cached (the cache holds it 5 s): it would have to be read from PostgreSQL.
    gw.ctx.auth.cache.clear();
    await f();
  } finally {
    pg.proxy.restore();
  }
  await healthIs('ok');
}

const waitDegraded = () => healthIs('degraded');

/** Waits for /health to say `status`; fails after 20 s (a bound on a hang, not a timing asserted). */
async function healthIs(status: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await health()).status !== status) {
    if (Date.now() > deadline) throw new Error(`/health never said ${status}`);
    await Bun.sleep(100);
  }
}

function expectUnavailablePage(r: { status: number; headers: Headers; html: string }) {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(r.headers.get('location')).toBeNull();
  expect(r.headers.get('hx-location')).toBeNull();
  expect(r.headers.get('set-cookie')).toBeNull();
  expect(r.headers.get('retry-after')).toBe('5');
  expect(r.html).toContain('<strong>Database unavailable</strong>');
  expect(r.html).toContain('You are still signed in');
  expect(r.html).not.toContain('"error":{');
}

test('known outage, session not cached: pages say the database is unavailable (503, Retry), not the sign-in form', async () => {
  await duringOutage(async () => {
    const page = await get('/clients', { ...BROWSER, cookie: admin.cookie });
    expectUnavailablePage(page);
    expect(page.html.startsWith('<!doctype html>')).toBe(true);
    expect(page.html).toContain('class="btn primary" href="/clients">Retry</a>');

    // HTMX navigation (a sidebar link): the error content for #main, no HX-Location to /login.
    const nav = await get('/models', { cookie: admin.cookie, 'hx-request': 'true', 'hx-target': 'main' });
    expectUnavailablePage(nav);
    expect(nav.html.startsWith('<title>Database unavailable · GopherGate</title>')).toBe(true);

    // The front door and the sign-in address do not show the sign-in form to a signed-in user.
    for (const path of ['/', '/login']) {
      const r = await get(path, { ...BROWSER, cookie: admin.cookie });
      expectUnavailablePage(r);
      expect(r.html).not.toContain('name="password"');
    }
  }, true);
  // Back: the same cookie still opens the page.
  const after = await get('/clients', { ...BROWSER, cookie: admin.cookie });
  expect(after.status).toBe(200);
  expect(after.html).toContain('data-page="clients"');
}, 60_000);

test('the first requests after the cut, before the probe noticed: the same 503 page, not a redirect to /login', async () => {
  await duringOutage(async () => {
    expectUnavailablePage(await get('/logs', { ...BROWSER, cookie: admin.cookie }));
    // /api's JSON answer is unchanged: 503 store_unavailable.
    const r = await fetch(`${gw.url}/api/clients`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect([r.status, ((await r.json()) as any).error.code]).toEqual([503, 'store_unavailable']);
  }, false);
}, 60_000);

test('signing in during the outage: a page saying the database is unavailable, not JSON', async () => {
  await duringOutage(async () => {
    // The second visitor sits behind a Basic-auth reverse proxy: its Authorization header is no session.
    for (const extra of [{}, { authorization: `Basic ${btoa('proxyuser:proxypass')}` }] as Record<string, string>[]) {
      const r = await fetch(`${gw.url}/login`, {
        method: 'POST',
        headers: { ...BROWSER, ...extra, origin: gw.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }),
        redirect: 'manual',
      });
      expect([r.status, r.headers.get('content-type')]).toEqual([503, 'text/html; charset=utf-8']);
      const html = await r.text();
      expect(html).toContain('<strong>Database unavailable</strong>');
      expect(html).toContain('nobody can sign in');
      expect(html).not.toContain('You are still signed in');
    }
  }, true);
}, 60_000);

test('the live monitor stays connected through the outage (its session is not taken as ended)', async () => {
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { cookie: admin.cookie, origin: gw.url } } as any);
  const events: any[] = [];
  let closed: number | null = null;
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    if (m.type === 'request') events.push(m.data);
  };
  ws.onclose = (e) => {
    closed = e.code;
  };
  await new Promise<void>((resolve) => (ws.onopen = () => resolve()));
  const chat = async (content: string) => {
    const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content }] }).withResponse();
    const id = response.headers.get('x-request-id');
    await until(() => events.some((e) => e.request_id === id) || closed !== null);
  };
  try {
    await duringOutage(async () => {
      // The periodic check of every socket's session, now, with the session's row unreadable.
      gw.ctx.monitor.revalidate();
      await chat('during the outage');
    }, true);
    await chat('after the outage');
    expect(closed).toBeNull();
    expect(events.length).toBe(2);
  } finally {
    ws.close();
  }
}, 60_000);
