/**
 * Errors as a signed-in admin sees them in real headless Chromium: a sidebar link to a page that
 * fails shows the error page in the content area (with Retry, which works once the cause is
 * gone), a failed save keeps the page and shows the error's message as a notice, and an unknown
 * address is a page in the layout with a way back. Never the API's JSON, never nothing at all.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { clients, requestLogs } from '../../src/db/schema';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('dashboard errors in Chromium', () => {
  const s = useDashboardSuite('error-pages-password-1');

  const rename = (from: string, to: string) => s.env.gw.ctx.db.run(sql.raw(`ALTER TABLE ${from} RENAME TO ${to}`));

  test('a sidebar link to a page that fails: the error page in #main with Retry; Retry loads the page once it works', async () => {
    const { page } = s;
    rename('teams', 'teams_away');
    try {
      await page.click('.nav a:text-is("Teams")');
      await page.waitForSelector('#main [data-page="error"][data-status="500"]');
      expect(await page.textContent('#main')).toContain('Something went wrong');
      expect(await page.textContent('#main')).not.toContain('"error"');
      expect(new URL(page.url()).pathname).toBe('/teams');
      expect(await page.title()).toBe('Something went wrong · GopherGate');
      // The sidebar stays: the user is still signed in and can go elsewhere.
      expect(await page.isVisible('.sidebar .user:text-is("admin")')).toBe(true);
      await screenshot(page, 'error-page-in-main');
    } finally {
      rename('teams_away', 'teams');
    }
    await page.click('#main a:text-is("Retry")');
    await page.waitForSelector('#main [data-page="teams"]');
    expect(new URL(page.url()).pathname).toBe('/teams');
  });

  test('a save that fails: the page stays and the error is shown as a notice', async () => {
    const { env, page } = s;
    await navTo(page, 'Clients', 'clients');
    await page.fill('#client-name', 'fails-to-save');
    rename('clients', 'clients_away');
    try {
      await page.click('button:text-is("Create key")');
      const notice = await page.waitForSelector('.toast[role=alert]');
      expect(await notice.textContent()).toStartWith('The gateway hit an unexpected error');
    } finally {
      rename('clients_away', 'clients');
    }
    // Nothing was pasted into the page, and what the admin typed is still there to save again.
    expect(await page.isVisible('#main [data-page="clients"]')).toBe(true);
    expect(await page.locator('#main [data-page="error"]').count()).toBe(0);
    expect(await page.inputValue('#client-name')).toBe('fails-to-save');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    expect(env.gw.ctx.db.select().from(clients).where(eq(clients.name, 'fails-to-save')).all().length).toBe(1);
  });

  test('a log row removed since the list was shown: its detail panel says so (the 404 content is shown, not a bare status)', async () => {
    const { env, page } = s;
    const { response } = await env.gw.openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    let row: { id: number } | undefined;
    while (!(row = env.gw.ctx.db.select({ id: requestLogs.id }).from(requestLogs).where(eq(requestLogs.requestId, requestId)).get())) await Bun.sleep(20);
    await navTo(page, 'Logs', 'logs');
    env.gw.ctx.db.delete(requestLogs).where(eq(requestLogs.id, row.id)).run();
    await page.click(`#log-${row.id}`);
    await page.waitForSelector('#log-detail :text("no longer in the log")');
    expect(await page.locator('.toast:has-text("Request failed")').count()).toBe(0);
  });

  test('Back to a page that fails now: its error page, under its address (htmx restored nothing: the address said /teams, the page Clients)', async () => {
    const { page, watch } = s;
    await navTo(page, 'Teams', 'teams');
    await navTo(page, 'Clients', 'clients');
    rename('teams', 'teams_away');
    try {
      await page.goBack();
      await page.waitForSelector('#main [data-page="error"][data-status="500"]');
      expect(new URL(page.url()).pathname).toBe('/teams');
      expect(await page.isVisible('#main [data-page="clients"]')).toBe(false);
    } finally {
      rename('teams_away', 'teams');
    }
    await page.click('#main a:text-is("Retry")');
    await page.waitForSelector('#main [data-page="teams"]');
    expect(watch.problems.filter((p) => p.includes('historyCacheMissLoadError'))).toEqual([]);
  });

  test('an unknown address: a 404 page in the layout with a way back', async () => {
    const { env, page, watch } = s;
    const r = await page.goto(`${env.gw.url}/no-such-page`);
    expect(r!.status()).toBe(404);
    await page.waitForSelector('#main [data-page="error"][data-status="404"]');
    expect(await page.textContent('#main')).toContain('Page not found');
    await screenshot(page, 'error-page-404');
    await page.click('#main a:text-is("Back to the dashboard")');
    await page.waitForSelector('#main [data-page="usage"]');
    expect(watch.problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
  });
});
