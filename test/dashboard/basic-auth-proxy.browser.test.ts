/**
 * The dashboard behind a reverse proxy that asks for HTTP Basic auth, as nginx `auth_basic`
 * does, in real headless Chromium: once the browser has answered the proxy's challenge it sends
 * `Authorization: Basic …` with every request (page loads and HTMX's XHRs alike), and the proxy
 * passes it on. The gateway must still sign the user in by the session cookie: before, the
 * sign-in form led back to itself for ever.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { navTo } from '../browser-helpers/dashboard-gateway';
import { chromiumAvailable, launchBrowser, watchPage } from '../browser-helpers/launch-browser';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const PROXY_USER = { username: 'ops', password: 'proxy-password' };
const EXPECTED = `Basic ${btoa(`${PROXY_USER.username}:${PROXY_USER.password}`)}`;

/** An nginx-like proxy: 401 with a Basic challenge unless the browser sends the credentials; passes every header on. */
function basicAuthProxy(target: string, passed: string[]) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      if (req.headers.get('authorization') !== EXPECTED)
        return new Response('proxy: sign in', { status: 401, headers: { 'www-authenticate': 'Basic realm="ops"' } });
      const url = new URL(req.url);
      passed.push(`${req.method} ${url.pathname}`);
      const headers = new Headers(req.headers);
      headers.set('x-forwarded-host', url.host);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
      const r = await fetch(`${target}${url.pathname}${url.search}`, { method: req.method, headers, body, redirect: 'manual' });
      const out = new Headers(r.headers);
      out.delete('content-encoding');
      out.delete('content-length');
      return new Response(await r.arrayBuffer(), { status: r.status, headers: out });
    },
  });
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the dashboard behind a Basic-auth proxy, in Chromium', () => {
  let gw: TestGateway;
  let proxy: ReturnType<typeof basicAuthProxy>;
  let browser: Browser;
  /** Requests the proxy passed on, each with the browser's Basic header. */
  const passed: string[] = [];
  beforeAll(async () => {
    gw = await startGateway();
    proxy = basicAuthProxy(gw.url, passed);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    proxy?.stop(true);
    await gw?.close();
  });

  test('signing in reaches the dashboard, and a change made there is saved', async () => {
    const page = await (await browser.newContext({ httpCredentials: PROXY_USER })).newPage();
    const watch = watchPage(page);
    await page.goto(`${proxy.url}login`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'test-admin-password');
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
    await navTo(page, 'Clients', 'clients');
    await page.fill('#client-name', 'behind-basic-auth');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    expect((await page.textContent('#new-key-value'))!.trim()).toMatch(/^gg-/);
    // Each of these reached the gateway carrying the proxy's Basic header.
    expect(passed).toEqual(expect.arrayContaining(['POST /login', 'GET /clients', 'POST /clients']));
    expect(watch.problems).toEqual([]);
  });
});
