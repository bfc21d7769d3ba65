/**
 * A dashboard left open past its session's lifetime, in real headless Chromium: the next save
 * leads to the sign-in page (as a link would), never the API's JSON error pasted into the page.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, models } from '../../src/db/schema';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('session end in Chromium', () => {
  let ahead = 0;

  const s = useDashboardSuite('session-end-password-1', undefined, { authClock: () => Date.now() + ahead });

  test('a save after the session expired goes to the sign-in page; nothing is saved or pasted in', async () => {
    const { env, page } = s;
    await navTo(page, 'Models', 'models');
    const before = env.gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!.inputPrice;
    await page.fill('#model-gpt-4o-mini input[name=input_price]', '0.77');
    ahead = env.gw.ctx.auth.sessionTtlMs + 60_000;
    await page.click('#model-gpt-4o-mini button:text-is("Save")');
    await page.waitForSelector('.auth-card input[name=username]');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.textContent('body')).not.toContain('invalid_session');
    expect(env.gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!.inputPrice).toBe(before);
    await screenshot(page, 'session-end-login');

    // Signed in again, the page works as before.
    await page.fill('.auth-card input[name=username]', 'admin');
    await page.fill('.auth-card input[name=password]', 'session-end-password-1');
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
  });

  test('a key created after the session expired: the sign-in page, and no key', async () => {
    const { env, page } = s;
    await navTo(page, 'Clients', 'clients');
    // The sign-in above was at the moved clock: move past that session's end too.
    ahead = 3 * env.gw.ctx.auth.sessionTtlMs;
    await page.fill('#client-name', 'after-expiry');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('.auth-card input[name=username]');
    expect(await page.locator('#new-key-value').count()).toBe(0);
    expect(env.gw.ctx.db.select().from(clients).where(eq(clients.name, 'after-expiry')).all()).toEqual([]);
  });

  async function signInAgain() {
    const { env, page } = s;
    await page.goto(`${env.gw.url}/login`);
    await page.fill('.auth-card input[name=username]', 'admin');
    await page.fill('.auth-card input[name=password]', 'session-end-password-1');
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
  }

  async function liveMonitor() {
    const { page } = s;
    await page.click('.nav a:text-is("Monitoring")');
    await page.waitForSelector('#monitor-status.ok');
  }

  test('the Monitoring page whose session ended (the server closes its socket) goes to the sign-in page', async () => {
    const { env, page } = s;
    await signInAgain();
    await liveMonitor();
    ahead += 2 * env.gw.ctx.auth.sessionTtlMs;
    // What the hub does every 15 s: sockets of ended sessions are closed (code 4401).
    expect(env.gw.ctx.monitor.revalidate()).toBe(1);
    await page.waitForSelector('.auth-card input[name=username]');
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  test('a Monitoring socket that drops after the session ended does not reconnect in the background', async () => {
    const { env, page } = s;
    await signInAgain();
    await liveMonitor();
    ahead += 2 * env.gw.ctx.auth.sessionTtlMs;
    // The connection drops (a proxy, a network change) before the hub noticed: each reconnect
    // would be refused (401, which the browser hides from the page).
    await page.evaluate(() => {
      const el = document.querySelector('[data-page="monitor"]') as HTMLElement & { _x_dataStack: { ws: WebSocket }[] };
      el._x_dataStack[0]!.ws.close();
    });
    await page.waitForSelector('.auth-card input[name=username]');
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    // The refused saves (and the monitor's session check) answer 401 on purpose.
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b401\b/.test(p))).toEqual([]);
  });
});
