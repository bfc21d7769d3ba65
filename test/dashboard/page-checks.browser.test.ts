/**
 * Every page as an admin and as a viewer, at 1280x800 and on a 390x844 phone, light and dark, in
 * real headless Chromium, with what a page can show opened up (each kind of editor, each <details>,
 * a log row's detail): no console error or warning (CSP violations are console errors) nor
 * Chromium's [DOM] form hints, no
 * uncaught exception, no request answered 4xx/5xx or failed, no page scrolling sideways (nor, at
 * 1280 px, a table hiding a column), and no control without an accessible name.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import OpenAI from 'openai';
import { createUser } from '../../src/admin/users-service';
import { createClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { namelessControls, sidewaysOverflow, tablesCut } from '../browser-helpers/page-audit';

setDefaultTimeout(60_000);

const PAGES = [['/', 'usage'], ['/monitor', 'monitor'], ['/logs', 'logs'], ['/clients', 'clients'], ['/teams', 'teams'],
  ['/providers', 'providers'], ['/models', 'models'], ['/groups', 'groups'], ['/users', 'users']] as const;
const SIZES = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const VIEWER = { username: 'vera', password: 'page-checks-viewer-1' };

describe.skipIf(!chromiumAvailable() && !process.env.CI)('every page, every role, both widths, both themes', () => {
  const s = useDashboardSuite('page-checks-admin-1', async (env) => {
    const ctx = env.gw.ctx;
    await createUser(ctx.db, VIEWER.username, VIEWER.password, 'viewer');
    const team = await createTeam(ctx, { name: 'research', models: ['gpt-4o-mini'], budget_usd: 5, budget_period: 'month', rpm: 60, tpm: 100_000 });
    const key = await createClient(ctx, 'notebook', { models: ['gpt-4o-mini'], budget_usd: 2, rpm: 30, team_id: team.id });
    await addProviderKey(ctx, 'deepseek', { key: 'sk-page-checks-0001', label: 'spare' });
    const openai = new OpenAI({ apiKey: key.key, baseURL: `${env.gw.url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    // Refused (not on the key's list): an error row on Logs and Monitoring.
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }).catch(() => {});
  });

  const found: string[] = [];
  /** Console errors and warnings, uncaught exceptions, 4xx/5xx answers and failed requests of a page, labelled. */
  function watchAll(page: Page, who: string) {
    // Chromium's own form checks ("[DOM] Password forms should have … username fields") log at the verbose level.
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning' || m.text().startsWith('[DOM]')) found.push(`${who} ${page.url()}: console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => found.push(`${who} ${page.url()}: ${e.message}`));
    page.on('requestfailed', (r) => { if (r.failure()?.errorText !== 'net::ERR_ABORTED') found.push(`${who}: ${r.url()} failed`); });
    page.on('response', (r) => { if (r.status() >= 400) found.push(`${who}: ${r.request().method()} ${r.url()} answered ${r.status()}`); });
  }

  /** Opens one of each kind of editor (Alpine x-show), every <details>, and a log row's detail. */
  async function openEverything(page: Page, key: string) {
    await page.evaluate(() => {
      const kinds = new Set<string>();
      for (const b of document.querySelectorAll<HTMLElement>('#main [data-opens]')) {
        const kind = b.getAttribute('data-opens')!;
        if (kinds.has(kind) || !b.getClientRects().length) continue;
        kinds.add(kind);
        b.click();
      }
      document.querySelectorAll('#main details').forEach((d) => ((d as HTMLDetailsElement).open = true));
    });
    if (key === 'logs') {
      await page.click('#logs-table tbody tr >> nth=0');
      await page.waitForSelector('#log-detail-body');
    }
    if (key === 'usage') await page.waitForSelector('#chart-requests[data-rendered="true"]');
    // Alpine shows what was opened on its next tick.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  }

  async function checkHere(page: Page, at: string) {
    for (const c of await namelessControls(page)) found.push(`${at}: no accessible name: ${c}`);
    const o = await sidewaysOverflow(page);
    if (o.px > 0 || o.past.length) found.push(`${at}: scrolls ${o.px}px sideways (${o.past.join('; ')})`);
  }

  /** The pages outside the dashboard's layout, at both sizes. */
  async function checkAuthPage(page: Page, who: string, path: string, ready: string) {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.goto(`${s.env.gw.url}${path}`);
      await page.waitForSelector(ready);
      await checkHere(page, `${who} ${size.width}px ${path}`);
    }
  }

  async function walk(page: Page, who: string, pages: readonly (readonly [string, string])[]) {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const theme of ['light', 'dark']) {
        await page.evaluate((t) => localStorage.setItem('gg-theme', t), theme);
        for (const [path, key] of pages) {
          const at = `${who} ${size.width}px ${theme} ${key}`;
          await page.goto(`${s.env.gw.url}${path}`);
          await page.waitForSelector(`#main [data-page="${key}"]`);
          // On a laptop every table shows all its columns (a row's Save or Revoke was out of sight at 1280 px).
          const cut = size.width > 800 ? await tablesCut(page) : [];
          if (cut.length) found.push(`${at}: ${cut.join('; ')}`);
          await openEverything(page, key);
          await checkHere(page, at);
        }
      }
    }
    await page.evaluate(() => localStorage.removeItem('gg-theme'));
  }

  test('as the admin', async () => {
    found.length = 0;
    watchAll(s.page, 'admin');
    await walk(s.page, 'admin', PAGES);
    expect(found).toEqual([]);
  }, 120_000);

  test('as a viewer, the sign-in and password pages included', async () => {
    found.length = 0;
    const page = await (await s.browser.newContext()).newPage();
    page.setDefaultTimeout(8_000);
    watchAll(page, 'viewer');
    await checkAuthPage(page, 'viewer', '/login', '.auth-card input[name=username]');
    await page.fill('.auth-card input[name=username]', VIEWER.username);
    await page.fill('.auth-card input[name=password]', VIEWER.password);
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
    await walk(page, 'viewer', PAGES.filter(([, key]) => key !== 'users'));
    await checkAuthPage(page, 'viewer', '/change-password', 'input[name=current_password]');
    expect(found).toEqual([]);
  }, 120_000);
});
