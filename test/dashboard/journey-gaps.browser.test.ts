/**
 * Gaps a new operator met walking the dashboard in real headless Chromium: Back after signing out,
 * a log row opened from the keyboard, the password changed later from the sidebar, the key's Copy
 * button clicked twice and over plain HTTP to an address other than localhost, a provider carried by its key pool alone, the Logs page found one request by
 * its id ("1 row", not "1 rows"), and the Swagger page's console and the sidebar's link to it.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { requestLogs } from '../../src/db/schema';
import { chromiumAvailable, launchBrowser, watchPage } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const FIRST_PASSWORD = 'journey-gaps-password-1';
const SECOND_PASSWORD = 'journey-gaps-password-2';

describe.skipIf(!chromiumAvailable() && !process.env.CI)('dashboard journey gaps in Chromium', () => {
  let rowId = 0;
  let requestId = '';

  const s = useDashboardSuite(FIRST_PASSWORD, async (env) => {
    const { response } = await env.gw.openai().chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    requestId = response.headers.get('x-request-id')!;
    for (let i = 0; i < 200 && !rowId; i++) {
      rowId = env.gw.ctx.db.select().from(requestLogs).where(eq(requestLogs.requestId, requestId)).get()?.id ?? 0;
      if (!rowId) await Bun.sleep(25);
    }
    expect(rowId).toBeGreaterThan(0);
  });

  test('a log row opens its detail from the keyboard (Enter), as with a click', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    await page.focus(`#log-${rowId}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#log-detail > #log-detail-body');
    expect(await page.textContent('#log-detail')).toContain(requestId);
  });

  test('the Logs page filtered to one request counts "1 row", not "1 rows"', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    await page.fill('#main input[name=request_id]', requestId);
    await page.locator('#main input[name=request_id]').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('request_id') === requestId);
    await page.waitForSelector(`#log-${rowId}`);
    await htmxSettled(page);
    expect(await page.locator('#main tr[id^="log-"]').count()).toBe(1);
    expect(await page.locator('#main .pager').innerText()).toBe('1 row');
  });

  test('the new key\'s Copy button clicked twice goes back to "Copy"', async () => {
    const { env, page } = s;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.gw.url });
    await navTo(page, 'Clients', 'clients');
    await page.fill('#client-name', 'copy-twice');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    const copy = page.locator('button[data-copy="#new-key-value"]');
    await copy.click();
    await page.waitForFunction(() => document.querySelector('button[data-copy]')?.textContent === 'Copied');
    await copy.click();
    // Past both clicks' 1.5 s: the label stays "Copy" (the second click took "Copied" for the label).
    await page.waitForTimeout(2_000);
    expect(await copy.textContent()).toBe('Copy');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe((await page.textContent('#new-key-value'))!.trim());
  });

  test('over plain HTTP to an address other than localhost (no navigator.clipboard), Copy still copies the new key', async () => {
    const { env } = s;
    const port = new URL(env.gw.url).port;
    // A LAN-like name for 127.0.0.1: a page there is not a secure context, as at http://10.0.0.5.
    const browser = await launchBrowser(['--host-resolver-rules=MAP gophergate.test 127.0.0.1']);
    try {
      const lan = await (await browser.newContext()).newPage();
      lan.setDefaultTimeout(8_000);
      await lan.goto(`http://gophergate.test:${port}/login`);
      expect(await lan.evaluate(() => ({ secure: window.isSecureContext, clipboard: 'clipboard' in navigator }))).toEqual({ secure: false, clipboard: false });
      await lan.fill('.auth-card input[name=username]', 'admin');
      await lan.fill('.auth-card input[name=password]', FIRST_PASSWORD);
      await lan.click('button:text-is("Sign in")');
      await lan.waitForSelector('#main [data-page="usage"]');
      await navTo(lan, 'Clients', 'clients');
      await lan.fill('#client-name', 'copy-over-lan');
      await lan.click('button:text-is("Create key")');
      await lan.waitForSelector('#new-key-value');
      await htmxSettled(lan);
      await lan.click('button[data-copy="#new-key-value"]');
      await lan.waitForFunction(() => document.querySelector('button[data-copy]')?.textContent === 'Copied');
      // The clipboard is the browser's: read it from a page of the secure (loopback) address.
      await lan.context().grantPermissions(['clipboard-read'], { origin: env.gw.url });
      const reader = await lan.context().newPage();
      await reader.goto(`${env.gw.url}/login`);
      expect(await reader.evaluate(() => navigator.clipboard.readText())).toBe((await lan.textContent('#new-key-value'))!.trim());
    } finally {
      await browser.close();
    }
  });

  test("the new key stays on screen while its limits are set, until it was copied", async () => {
    const { page } = s;
    await navTo(page, 'Clients', 'clients');
    await page.fill('#client-name', 'limited-before-copy');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    // The section came back whole: its limits form is htmx's once the swap settles.
    await htmxSettled(page);
    const key = (await page.textContent('#new-key-value'))!.trim();
    const row = page.locator('#clients-table tbody:has(.client-name:text-is("limited-before-copy"))');
    await row.locator('.link-button').click();
    await row.locator('input[name=rpm]').fill('42');
    await row.locator('button:text-is("Save limits")').click();
    await page.locator('#clients-table tr:has(.client-name:text-is("limited-before-copy")) .limits-summary:text("42 rpm")').waitFor();
    expect((await page.textContent('#new-key-value'))?.trim()).toBe(key);
    // Only one panel, and a page loaded afresh shows none (the key is never shown again).
    expect(await page.locator('#new-key').count()).toBe(1);
    await navTo(page, 'Clients', 'clients');
    expect(await page.locator('#new-key-value').count()).toBe(0);
  });

  test('a provider with pool keys only: its card no longer says the key is "not set"', async () => {
    const { page } = s;
    await navTo(page, 'Providers', 'providers');
    const card = page.locator('#provider-deepseek');
    expect(await card.locator('#provider-deepseek-key').textContent()).toContain('not set');
    await card.locator('button:text-is("Add key")').click();
    await card.locator('input[name=key]').fill('sk-pool-only-1234');
    await card.locator('button:text-is("Add")').click();
    await card.locator('tr[data-key-id]').waitFor();
    // Updated with the pool, without a reload; and the same after one.
    expect(await card.locator('#provider-deepseek-key').textContent()).toContain('the pool key below');
    expect(await card.locator('#provider-deepseek-key .badge.warn').count()).toBe(0);
    await page.reload();
    expect(await page.locator('#provider-deepseek-key').textContent()).toContain('the pool key below');
  });

  /** How far the sidebar's buttons run past its right edge (0: inside), at a window width. */
  async function footOverflow(width: number): Promise<number> {
    const { page } = s;
    await page.setViewportSize({ width, height: 900 });
    return page.evaluate(() => {
      const edge = document.querySelector('.sidebar-inner')!.getBoundingClientRect().right;
      return Math.max(0, ...[...document.querySelectorAll('.sidebar-foot .btn')].map((b) => b.getBoundingClientRect().right - edge));
    });
  }

  test('the password is changed later from the sidebar, with a way back that changes nothing', async () => {
    const { page } = s;
    // Its button fits beside Theme and Log out, on a laptop and on a phone.
    expect(await footOverflow(390)).toBe(0);
    expect(await footOverflow(1360)).toBe(0);
    await page.click('.sidebar a:text-is("Password")');
    await page.waitForSelector('input[name=current_password]');
    expect(new URL(page.url()).pathname).toBe('/change-password');
    await page.click('a:text-is("Back to the dashboard")');
    await page.waitForSelector('#main [data-page="usage"]');
    await page.click('.sidebar a:text-is("Password")');
    // A whole page: its form is htmx's once the page has loaded (a click before that posts it natively).
    await page.waitForURL((u) => u.pathname === '/change-password');
    await page.waitForLoadState();
    await page.fill('input[name=current_password]', FIRST_PASSWORD);
    await page.fill('input[name=new_password]', SECOND_PASSWORD);
    await page.fill('input[name=confirm_password]', SECOND_PASSWORD);
    await page.click('button:text-is("Change password")');
    await page.waitForSelector('#main [data-page="usage"]');
  });

  test('Back after signing out shows the sign-in page, not a blank one', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    await page.click('button:text-is("Log out")');
    await page.waitForSelector('.auth-card input[name=username]');
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.waitForSelector('.auth-card input[name=username]');
    // Signed in again (with the password changed above), Back from the dashboard is no blank page either.
    await page.fill('.auth-card input[name=username]', 'admin');
    await page.fill('.auth-card input[name=password]', SECOND_PASSWORD);
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
    await page.goBack();
    await page.waitForSelector('#main [data-page]');
  });

  test('the Swagger page loads without console errors', async () => {
    const { env, page } = s;
    const swagger = await page.context().newPage();
    // Swagger UI's bundle is large: on a loaded machine its load and network-idle waits ran past the 8 s of the other pages.
    swagger.setDefaultTimeout(30_000);
    const problems = watchPage(swagger).problems;
    const answer = await swagger.goto(`${env.gw.url}/swagger`);
    expect(answer!.status()).toBe(200);
    await swagger.waitForSelector('.swagger-ui .info .title');
    await swagger.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
    await swagger.close();
  });

  test('the sidebar leads to the Swagger page (nothing in the dashboard did), in a tab of its own', async () => {
    const { page } = s;
    await page.waitForSelector('#main [data-page]');
    expect(await footOverflow(390)).toBe(0);
    expect(await footOverflow(1360)).toBe(0);
    const [docs] = await Promise.all([page.context().waitForEvent('page'), page.click('.sidebar a:text-is("API docs")')]);
    docs.setDefaultTimeout(30_000);
    await docs.waitForSelector('.swagger-ui .info .title');
    expect(new URL(docs.url()).pathname).toBe('/swagger');
    // The dashboard stays where it was.
    expect(await page.locator('#main [data-page]').count()).toBe(1);
    await docs.close();
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems).toEqual([]);
  });
});
