/**
 * The dashboard in real headless Chromium against a real gateway (temp SQLite, the real log
 * writer and monitor hub, OpenAI faked on loopback): the operator's first session end to end,
 * then a viewer's. Screenshots of every page land in test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { createClient } from '../../src/admin/clients-service';
import { clients, modelGroups } from '../../src/db/schema';
import { chromiumAvailable, launchBrowser, screenshot, watchPage } from '../browser-helpers/launch-browser';
import { type DashboardGateway, htmxSettled, navTo, startDashboardGateway } from '../browser-helpers/dashboard-gateway';

// Launching Chromium (beforeAll) takes seconds on a loaded CI machine; tests set their own limits.
// A limit only bounds a hang.
setDefaultTimeout(60_000);

const XSS_NAME = '<img src=x onerror=alert(1)>';
const ADMIN_PASSWORD = 'first-real-password-1';
const VIEWER_PASSWORD = 'viewer-password-1';
const VIEWER_NEW_PASSWORD = 'viewer-password-2';

/** Elements that would change something, other than the sign-out form. */
const MUTATION_CONTROLS = '[hx-post]:not([hx-post="/logout"]), [hx-put], [hx-patch], [hx-delete], form[method=post]:not([action="/logout"])';

describe.skipIf(!chromiumAvailable() && !process.env.CI)('dashboard in Chromium', () => {
  let env: DashboardGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: ReturnType<typeof watchPage>;
  let url: string;

  beforeAll(async () => {
    env = await startDashboardGateway();
    url = env.gw.url;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    if (page && !page.isClosed()) await screenshot(page, 'zz-last-state').catch(() => {});
    await browser?.close();
    await env?.close();
  });

  const nav = (label: string, pageKey: string) => navTo(page, label, pageKey);

  // The sign-in and password forms come by htmx swaps (a refused sign-in swaps in a new form):
  // both wait until htmx has wired the form, or the click posts it natively.
  async function signIn(username: string, password: string) {
    await htmxSettled(page);
    await page.fill('.auth-card input[name=username]', username);
    await page.fill('.auth-card input[name=password]', password);
    await page.click('button:text-is("Sign in")');
  }

  async function changePassword(current: string, next: string) {
    await page.waitForSelector('input[name=current_password]');
    await htmxSettled(page);
    await page.fill('input[name=current_password]', current);
    await page.fill('input[name=new_password]', next);
    await page.fill('input[name=confirm_password]', next);
    await page.click('button:text-is("Change password")');
    await page.waitForSelector('#main [data-page="usage"]');
  }

  test('admin: forced password change, client key, live monitor, usage, every page', async () => {
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    context.setDefaultTimeout(8_000);
    page = await context.newPage();
    watch = watchPage(page);

    // The front door shows the sign-in form itself (200, no redirect); /login is the same form.
    const front = await page.goto(`${url}/`);
    expect(front!.status()).toBe(200);
    await page.waitForSelector('form input[name=username]');
    await screenshot(page, '01-login');

    // Wrong password first: the error shows in place.
    await signIn('admin', 'nope');
    await page.waitForSelector('.form-errors');
    expect(await page.textContent('.form-errors')).toContain('Wrong username or password');

    await signIn('admin', 'admin123');
    await page.waitForSelector('input[name=current_password]');
    expect(new URL(page.url()).pathname).toBe('/change-password');
    expect(await page.textContent('body')).toContain('password was set for you (the default one');
    await screenshot(page, '02-change-password');
    // Nothing else works until the password changes.
    expect((await page.request.get(`${url}/clients`, { maxRedirects: 0 })).headers().location).toBe('/change-password');
    await changePassword('admin123', ADMIN_PASSWORD);
    expect(await page.textContent('#main')).toContain('No requests in this range yet');
    await screenshot(page, '03-usage-empty');

    // Clients: create a key (shown once, with a copy button).
    await nav('Clients', 'clients');
    await page.fill('#client-name', 'browser-test');
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    // The section came back whole: the next key is created with its new form, once htmx wired it.
    await htmxSettled(page);
    const key = (await page.textContent('#new-key-value'))!.trim();
    expect(key).toMatch(/^gg-/);
    expect(await page.isVisible('button[data-copy="#new-key-value"]')).toBe(true);

    // A hostile client name renders as text.
    await page.fill('#client-name', XSS_NAME);
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    await page.waitForSelector(`#clients-table .client-name:text-is("${XSS_NAME}")`);
    expect(await page.locator('#clients-table img').count()).toBe(0);
    expect(await page.textContent('#clients-table')).toContain(XSS_NAME);
    await screenshot(page, '04-clients');
    // And it survives a full reload (server-rendered, not just the swapped fragment).
    await page.reload();
    await page.waitForSelector(`#clients-table .client-name:text-is("${XSS_NAME}")`);
    expect(await page.locator('#main img').count()).toBe(0);

    // Monitoring: a chat request through the gateway with the new key appears live.
    await nav('Monitoring', 'monitor');
    await page.waitForSelector('#monitor-status:text-is("live")');
    const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    const reply = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
    expect(reply.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    const row = page.locator('#monitor-table tbody tr.monitor-row').first();
    await row.waitFor();
    const rowText = (await row.textContent())!;
    expect(rowText).toContain('gpt-4o-mini');
    expect(rowText).toContain('200');
    expect(rowText).toContain('browser-test');
    expect(rowText).toContain('19 / 9');
    await screenshot(page, '05-monitoring');

    // A client created after this page loaded is named too (the event carries its name).
    const late = await createClient(env.gw.ctx, 'late-client');
    await new OpenAI({ apiKey: late.key, baseURL: `${url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await page.waitForFunction(() => document.querySelectorAll('#monitor-table tbody tr.monitor-row').length === 2);
    expect(await page.locator('#monitor-table tbody tr.monitor-row').first().textContent()).toContain('late-client');

    // Pause holds new rows back until resumed.
    await page.click('#monitor-pause');
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Again' }] });
    await page.waitForSelector('text=1 new while paused');
    expect(await page.locator('#monitor-table tbody tr.monitor-row').count()).toBe(2);
    await page.click('#monitor-pause');
    await page.waitForFunction(() => document.querySelectorAll('#monitor-table tbody tr.monitor-row').length === 3);

    // Reloaded, the page seeds the table from the log (rows in the shape of the socket's events).
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('#monitor-table tbody tr.monitor-row').length === 3);
    const oldest = (await page.locator('#monitor-table tbody tr.monitor-row').last().textContent())!;
    expect(oldest).toContain('browser-test');
    expect(oldest).toContain('19 / 9');

    // Usage: numbers and chart from the rollups.
    await nav('Usage', 'usage');
    expect((await page.textContent('#stat-requests .stat-value'))!.trim()).toBe('3');
    expect((await page.textContent('#stat-tokens .stat-value'))!.trim()).toBe('84');
    expect(await page.textContent('#breakdown-client')).toContain('browser-test');
    await page.waitForSelector('#chart-requests[data-rendered="true"]');
    const series = JSON.parse((await page.getAttribute('#chart-requests', 'data-series'))!);
    expect(series.requests.reduce((a: number, b: number) => a + b, 0)).toBe(3);
    await screenshot(page, '06-usage');
    await page.click('[data-theme-toggle]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await screenshot(page, '06b-usage-dark');
    await page.click('[data-theme-toggle]');

    // Clients: the keys just used say so (from the logs; nothing writes last_used_at).
    await nav('Clients', 'clients');
    expect(await page.textContent('#clients-table tr:has(.client-name:text-is("browser-test")) td.last-used')).toBe('just now');
    expect(await page.textContent(`#clients-table tr:has(.client-name:text-is("${XSS_NAME}")) td.last-used`)).toBe('never');

    // Logs: the rows, and a row's detail.
    await nav('Logs', 'logs');
    await page.click('#logs-table tbody tr >> nth=0');
    await page.waitForSelector('#log-detail-body');
    expect(await page.textContent('#log-detail-body')).toContain('gpt-4o-mini');
    await screenshot(page, '07-logs');

    // Providers: test connection against the fake upstream.
    await nav('Providers', 'providers');
    await page.click('#provider-openai button:text-is("Test connection")');
    await page.waitForSelector('#provider-test-openai .badge.ok');
    expect(await page.textContent('#provider-openai')).toContain('••••6789');
    await screenshot(page, '08-providers');

    // Models: change a price, see it saved.
    await nav('Models', 'models');
    await page.selectOption('select[name=provider]', 'openai');
    await page.waitForURL(/provider=openai/);
    await page.waitForSelector('#model-gpt-4o-mini');
    // The filtered page was swapped in: its Save buttons work once htmx has wired them.
    await htmxSettled(page);
    await page.fill('#model-gpt-4o-mini input[name=input_price]', '0.2');
    await page.click('#model-gpt-4o-mini button:text-is("Save")');
    await page.waitForSelector('#model-gpt-4o-mini .saved');
    expect(await page.inputValue('#model-gpt-4o-mini input[name=input_price]')).toBe('0.2');
    await screenshot(page, '09-models');

    // Model groups: an invalid edit is refused inline; try routing shows a decision.
    // Two groups of the admin's own, one the target of the other (the seeded ones cannot be deleted).
    const now = Date.now();
    env.gw.ctx.db.insert(modelGroups).values([
      { name: 'own-inner', strategy: 'heuristic', targets: ['gpt-4o-mini'], updatedAt: now },
      { name: 'own-outer', strategy: 'heuristic', targets: ['own-inner'], updatedAt: now },
    ]).run();
    env.gw.ctx.state.reload();
    await nav('Model groups', 'groups');
    await page.fill('#try-routing textarea[name=prompt]', 'Please debug this race condition step by step');
    await page.fill('#try-routing input[name=model]', 'openai-auto');
    await page.click('button:text-is("Show decision")');
    await page.waitForSelector('#try-result .try-result:not(.err)');
    // A coding task moves the heuristic to the group's stronger target.
    expect(await page.textContent('#try-result')).toContain('openai-auto > gpt-4o');
    expect(await page.textContent('#try-result')).toContain('openai/gpt-4o');
    await page.click('#group-fast-flow summary');
    await page.fill('#group-fast-flow textarea[name=targets]', 'no-such-model-xyz');
    await page.click('#group-fast-flow button:text-is("Save changes")');
    await page.waitForSelector('#group-fast-flow .form-errors');
    expect(await page.textContent('#group-fast-flow .form-errors')).toContain('no-such-model-xyz');
    await screenshot(page, '10-groups');

    // Delete: none on a seeded group (the seed adds it back at every start); refused inline while
    // another group targets it; allowed (after a confirm) otherwise.
    expect(await page.locator('#group-deepseek-auto button:text-is("Delete")').count()).toBe(0);
    await page.click('#group-own-inner button:text-is("Delete")');
    await page.waitForSelector('#group-own-inner .delete-errors');
    expect(await page.textContent('#group-own-inner .delete-errors')).toContain('still a target of own-outer');
    await page.click('#group-own-outer button:text-is("Delete")');
    await page.waitForSelector('.group.deleted:has-text("Deleted own-outer")');
    // The note holds the focus the Delete button had, not the page's start (moved there as the swap settles).
    await htmxSettled(page);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('group-own-outer');
    expect(env.gw.ctx.db.select().from(modelGroups).where(eq(modelGroups.name, 'own-outer')).all()).toEqual([]);
    expect(watch.dialogs.filter((d) => d.startsWith('confirm:'))).toHaveLength(2);

    // Classifier settings: shown for a classifier group, and for a heuristic one switched over.
    await page.click('#group-dispatcher summary');
    expect(await page.isVisible('#group-dispatcher input[name=classifier_model]')).toBe(true);
    await page.fill('#group-dispatcher input[name=threshold]', '8');
    await page.fill('#group-dispatcher input[name=timeout_ms]', '2500');
    await page.click('#group-dispatcher button:text-is("Save changes")');
    await page.waitForSelector('#group-dispatcher .saved');
    const dispatcher = env.gw.ctx.db.select().from(modelGroups).where(eq(modelGroups.name, 'dispatcher')).get()!;
    expect(dispatcher.settings).toMatchObject({ classifier_model: 'openai/gpt-5.4-nano', threshold: 8, timeout_ms: 2500 });
    await page.click('#group-openai-auto summary');
    expect(await page.isVisible('#group-openai-auto input[name=classifier_model]')).toBe(false);
    await page.selectOption('#group-openai-auto select[name=strategy]', 'classifier');
    // Alpine shows the fieldset on its next tick.
    await page.waitForSelector('#group-openai-auto input[name=classifier_model]', { state: 'visible' });
    await screenshot(page, '10b-groups-classifier');

    // Users: create a viewer.
    await nav('Users', 'users');
    await page.fill('#users-section input[name=username]', 'viewer1');
    await page.fill('#users-section input[name=password]', VIEWER_PASSWORD);
    await page.selectOption('#users-section select[name=role]', 'viewer');
    await page.click('button:text-is("Create user")');
    await page.waitForSelector('#users-table td:has-text("viewer1")');
    await screenshot(page, '11-users');

    // Only the two delete confirmations; an XSS payload's alert() would show here.
    expect(watch.dialogs.filter((d) => !d.startsWith('confirm: Delete the group'))).toEqual([]);
    // CSP violations ("Refused to ...") and script errors would show here. Chromium also logs
    // each non-2xx response; the wrong password (401) and the refused group edit (422) are expected.
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b(401|422)\b/.test(p))).toEqual([]);
  }, 60_000);

  test('every page in both themes, wide and narrow: nothing spills sideways; screenshots', async () => {
    const pages = [['/', 'usage'], ['/monitor', 'monitor'], ['/logs', 'logs'], ['/clients', 'clients'], ['/providers', 'providers'], ['/models', 'models'], ['/groups', 'groups'], ['/users', 'users']] as const;
    const problems: string[] = [];
    for (const width of [1360, 420]) {
      await page.setViewportSize({ width, height: 900 });
      for (const theme of ['light', 'dark']) {
        await page.evaluate((t) => localStorage.setItem('gg-theme', t), theme);
        for (const [path, key] of pages) {
          await page.goto(`${url}${path}`);
          await page.waitForSelector(`#main [data-page="${key}"]`);
          if (key === 'usage') await page.waitForSelector('#chart-requests[data-rendered="true"]');
          expect(await page.getAttribute('html', 'data-theme')).toBe(theme);
          // The page itself never scrolls sideways (wide tables scroll inside their card), and
          // the sidebar's background reaches the bottom of the page.
          const m = await page.evaluate(() => ({
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            sidebarShort: document.documentElement.scrollHeight - document.querySelector('.sidebar')!.getBoundingClientRect().height,
            // Widest overflow of a table inside its scroll box (hidden columns).
            tableCut: Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth)),
          }));
          if (m.overflow > 0) problems.push(`${width}px ${theme} ${key}: page is ${m.overflow}px too wide`);
          if (width > 800 && m.sidebarShort > 1) problems.push(`${width}px ${theme} ${key}: sidebar ${m.sidebarShort}px short`);
          // On a laptop-wide window every table shows all its columns; narrow ones may scroll.
          if (width > 800 && m.tableCut > 1) problems.push(`${width}px ${theme} ${key}: a table is cut by ${m.tableCut}px`);
          await screenshot(page, `w${width}-${theme}-${key}`);
        }
      }
    }
    await page.evaluate(() => localStorage.removeItem('gg-theme'));
    await page.setViewportSize({ width: 1360, height: 900 });
    expect(problems).toEqual([]);
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b(401|422)\b/.test(p))).toEqual([]);
  }, 120_000);

  test('viewer: no mutation controls, forged changes refused', async () => {
    await page.click('button:text-is("Log out")');
    await page.waitForSelector('.auth-card input[name=username]');
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.setViewportSize({ width: 420, height: 800 });
    await screenshot(page, 'w420-login');
    await page.setViewportSize({ width: 1360, height: 900 });
    await signIn('viewer1', VIEWER_PASSWORD);
    await changePassword(VIEWER_PASSWORD, VIEWER_NEW_PASSWORD);

    expect(await page.locator('.nav a:text-is("Users")').count()).toBe(0);
    for (const [label, key] of [['Usage', 'usage'], ['Monitoring', 'monitor'], ['Logs', 'logs'], ['Clients', 'clients'], ['Providers', 'providers'], ['Models', 'models'], ['Model groups', 'groups']] as const) {
      await nav(label, key);
      expect({ page: key, controls: await page.locator(`#main :is(${MUTATION_CONTROLS})`).count() }).toEqual({ page: key, controls: 0 });
      if (key === 'clients') {
        // The hostile name is still text for the viewer too.
        expect(await page.textContent('#clients-table')).toContain(XSS_NAME);
        await screenshot(page, '12-viewer-clients');
      }
    }
    expect(await page.locator('button:text-is("Create key"), button:text-is("Revoke"), button:text-is("Test connection")').count()).toBe(0);

    // Forged requests with the viewer's own session and CSRF token: refused with 403.
    const forged = await page.evaluate(async () => {
      const token = JSON.parse(document.getElementById('app')!.getAttribute('hx-headers')!)['x-csrf-token'];
      const form = (path: string, body: string) =>
        fetch(path, { method: 'POST', headers: { 'x-csrf-token': token, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' }, body }).then((r) => r.status);
      return {
        page: await form('/clients', 'name=forged'),
        revoke: await form('/clients/1/revoke', ''),
        provider: await form('/providers/openai', 'enabled=false'),
        user: await form('/users', 'username=evil&password=evil-password-1&role=admin'),
        api: await fetch('/api/clients', { method: 'POST', headers: { 'x-csrf-token': token, 'content-type': 'application/json' }, body: '{"name":"forged"}' }).then((r) => r.status),
      };
    });
    expect(forged).toEqual({ page: 403, revoke: 403, provider: 403, user: 403, api: 403 });
    expect(env.gw.ctx.db.select().from(clients).where(eq(clients.name, 'forged')).all()).toEqual([]);

    const users = await page.request.get(`${url}/users`);
    expect(users.status()).toBe(403);
    await page.goto(`${url}/users`);
    await screenshot(page, '13-viewer-users-forbidden');

    expect(watch.dialogs.filter((d) => !d.startsWith('confirm: Delete the group'))).toEqual([]);
    // Besides the expected non-2xx answers (the forged requests' 403s among them), nothing.
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b(401|403|422)\b/.test(p))).toEqual([]);
  }, 30_000);
});
