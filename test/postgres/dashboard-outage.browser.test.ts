/**
 * A PostgreSQL outage as a signed-in admin sees it in real headless Chromium (PostgreSQL behind
 * a loopback TCP proxy the test cuts): a save says the database is unavailable, a sidebar link
 * shows the "Database unavailable" page in place (not the sign-in form: the user was not signed
 * out), and once PostgreSQL is back its Retry opens the page with the same session.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD } from '../helpers/admin-harness';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { chromiumAvailable, launchBrowser, screenshot } from '../browser-helpers/launch-browser';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(90_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('PostgreSQL outage in Chromium', () => {
  let pg: ProxiedDatabase;
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Refused connections: each query fails at once (the point is what the page says, not the connection timeout).
    pg = await createProxiedDatabase({ adminPassword: ADMIN_PASSWORD, refuse: true });
    gw = await startGateway({ env: { LLM_PROXY__DATABASE__URL: pg.url } });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    await page.goto(`${gw.url}/login`);
    await page.fill('.auth-card input[name=username]', 'admin');
    await page.fill('.auth-card input[name=password]', ADMIN_PASSWORD);
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
  });
  afterAll(() =>
    pg?.close(async () => {
      await browser?.close();
      await gw?.close();
    }),
  );

  const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as { status: string };
  async function healthIs(status: string): Promise<void> {
    while ((await health()).status !== status) await Bun.sleep(100);
  }

  test('a save and a page during the outage say so; the session survives it', async () => {
    await navTo(page, 'Clients', 'clients');
    pg.proxy.cut();
    try {
      await healthIs('degraded');
      // Past the session cache's life: the session row would have to be read from PostgreSQL.
      gw.ctx.auth.cache.clear();
      await page.fill('#client-name', 'during-outage');
      await page.click('button:text-is("Create key")');
      const notice = await page.waitForSelector('.toast[role=alert]');
      expect(await notice.textContent()).toContain('The database cannot be reached right now');
      expect(await page.isVisible('#main [data-page="clients"]')).toBe(true);

      await page.click('.nav a:text-is("Models")');
      await page.waitForSelector('#main [data-page="error"][data-status="503"]');
      expect(await page.textContent('#main')).toContain('Database unavailable');
      expect(await page.textContent('#main')).toContain('You are still signed in');
      expect(new URL(page.url()).pathname).toBe('/models');
      expect(await page.locator('.auth-card').count()).toBe(0);
      await screenshot(page, 'pg-outage-page');

      // A reload (a whole page) is the same page, not the sign-in form.
      const reload = await page.reload();
      expect(reload!.status()).toBe(503);
      await page.waitForSelector('[data-page="error"][data-status="503"]');
      expect(await page.locator('input[name=password]').count()).toBe(0);
    } finally {
      pg.proxy.restore();
    }
    await healthIs('ok');
    await page.click('a:text-is("Retry")');
    await page.waitForSelector('#main [data-page="models"]');
    expect(await page.isVisible('.sidebar .user:text-is("admin")')).toBe(true);
  });
});
