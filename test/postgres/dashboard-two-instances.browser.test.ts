/**
 * The dashboard as an organisation runs it: two instances on one PostgreSQL database (en-US
 * collation) and a Redis of the test's own, in real headless Chromium, with days of log rows
 * (ties at one instant, costs with many decimals, rows with no key, provider or team). An admin
 * signed in on A opens every page and partial there and, with the same cookie, on B (sessions
 * are shared); the Usage ranges with a team filter, a log row's detail panel, and the Logs pages
 * paged with Older to the end (every row once, ties included); the Usage charts drawn, their
 * requests and cost adding up to /api/usage/summary's for the range and team; a team created on
 * B is on A's Teams page, and a request served by B appears live on A's Monitoring page, naming
 * B; a key revoked on A's Clients page is refused on B. A viewer does the same on B and A. No console error, uncaught exception, request
 * answered 4xx/5xx or failed request anywhere.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, api, login, makeUser, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startOwnRedis, type OwnRedis } from '../cluster/own-redis';
import { chromiumAvailable, launchBrowser } from '../browser-helpers/launch-browser';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { mixedRecords } from '../logging/log-test-helpers';
import type { LogRow } from '../../src/logging/log-row';
import { parseRange, rangeBounds } from '../../src/dashboard/usage-range';

setDefaultTimeout(120_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIDNIGHT = Math.floor(Date.now() / DAY) * DAY;
const PAGES = [['Usage', 'usage'], ['Monitoring', 'monitor'], ['Logs', 'logs'], ['Clients', 'clients'], ['Teams', 'teams'],
  ['Providers', 'providers'], ['Models', 'models'], ['Model groups', 'groups'], ['Users', 'users']] as const;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the dashboard on two PostgreSQL instances', () => {
  let pg: TestDatabase;
  let redis: OwnRedis;
  let a: TestGateway;
  let b: TestGateway;
  let browser: Browser;
  let admin: Session;
  const rows: LogRow[] = [];
  const found: string[] = [];

  beforeAll(async () => {
    pg = await createTestDatabase('qa_dash_pg_two', { icuLocale: 'en-US' });
    redis = await startOwnRedis();
    const env = { LLM_PROXY__DATABASE__URL: pg.url, ...redisEnv(randomPrefix(), redis.url) };
    const mock = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' };
    a = await startGateway({ storeLogs: true, env: { ...env, ...mock, LLM_PROXY__INSTANCE_ID: 'a' } });
    b = await startGateway({ storeLogs: true, env: { ...env, ...mock, LLM_PROXY__INSTANCE_ID: 'b' } });
    admin = await login(a, 'admin', ADMIN_PASSWORD);
    await makeUser(a, admin, 'viewer1', 'viewer');
    for (const name of ['Red', 'Équipe Nord', 'blue']) await api(a, 'POST', '/api/teams', { as: admin, body: { name, budget_usd: 1.25 } });
    for (const [i, name] of ['Ärzte-Bot', 'alpha', 'beta'].entries()) await api(a, 'POST', '/api/clients', { as: admin, body: { name, team_id: i + 1, budget_usd: 0.3 } });
    // Three days from 01:00 UTC (rows 7 min 13 s apart), then 80 at one instant just before midnight.
    rows.push(...mixedRecords(400, MIDNIGHT - 3 * DAY + HOUR).map((r, i) => ({ ...r, requestId: `two-${i}`, costUsd: r.costUsd + i * 1.1e-7 })));
    for (let i = 0; i < 80; i++) rows.push({ ...rows[i + 1]!, requestId: `two-tie-${i}`, createdAt: MIDNIGHT - 60_000 });
    for (const r of rows) a.ctx.logSink.write({ ...r });
    // Written by A's log writer, read through B.
    const deadline = Date.now() + 20_000;
    while (((await (await api(b, 'GET', '/api/logs?limit=1000', { as: admin })).json()) as any).data.length < rows.length) {
      if (Date.now() > deadline) throw new Error('rows not written');
      await Bun.sleep(50);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await a?.close();
    await b?.close();
    await redis?.close();
    await pg?.drop();
  });

  function watch(page: Page, who: string) {
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') found.push(`${who} ${page.url()}: console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => found.push(`${who} ${page.url()}: ${e.message}`));
    page.on('requestfailed', (r) => { if (r.failure()?.errorText !== 'net::ERR_ABORTED') found.push(`${who}: ${r.url()} failed`); });
    page.on('response', (r) => { if (r.status() >= 400) found.push(`${who}: ${r.request().method()} ${r.url()} answered ${r.status()}`); });
    // hx-confirm asks with window.confirm: yes.
    page.on('dialog', (d) => void d.accept());
  }

  async function signIn(who: string, url: string, username: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    watch(page, who);
    await page.goto(`${url}/login`);
    await page.fill('.auth-card input[name=username]', username);
    await page.fill('.auth-card input[name=password]', password);
    await page.click('button:text-is("Sign in")');
    await page.waitForSelector('#main [data-page="usage"]');
    await htmxSettled(page);
    return page;
  }

  /** Every page in the sidebar, the Usage ranges with a team filter, a row's detail, and the Logs paged to the end; the sidebar's pages. */
  async function sweep(page: Page, base: string): Promise<string[]> {
    const shown: string[] = [];
    for (const [label, key] of PAGES) {
      if (!(await page.locator(`.nav a:text-is("${label}")`).count())) continue;
      await navTo(page, label, key);
      shown.push(key);
    }
    const team = ((await (await api(a, 'GET', '/api/teams', { as: admin })).json()) as any).data.find((t: any) => t.name === 'Équipe Nord').id;
    for (const range of ['24h', '7d', '30d', '90d']) {
      await page.goto(`${base}/?range=${range}&team=${encodeURIComponent('équipe nord')}`);
      await page.waitForSelector('#main [data-page="usage"] canvas[data-chart="tokens"][data-rendered]');
      await page.waitForSelector('#main [data-page="usage"] canvas[data-chart="requests"][data-rendered]');
      expect(await page.locator('#main .form-errors').count()).toBe(0);
      // What the chart drew, against the JSON API's totals for the same hours and team.
      const drawn = await page.evaluate(() => {
        const canvas = document.querySelector('canvas[data-chart="requests"]') as HTMLCanvasElement;
        const chart = (window as any).Chart.getChart(canvas);
        const sum = (label: string) => (chart.data.datasets.find((d: any) => d.label === label).data as number[]).reduce((x, y) => x + y, 0);
        return { requests: sum('Requests'), errors: sum('Errors'), cost: Math.round(sum('Cost') * 1e6) / 1e6 };
      });
      const { from } = rangeBounds(parseRange(range));
      const totals = (await (await api(a, 'GET', `/api/usage/summary?from=${from}&team=${team}`, { as: admin })).json()) as any;
      expect({ range, ...drawn }).toEqual({ range, requests: totals.requests, errors: totals.errors, cost: Math.round(totals.cost_usd * 1e6) / 1e6 });
      if (range !== '24h') expect(drawn.requests).toBeGreaterThan(0);
    }
    await navTo(page, 'Logs', 'logs');
    await page.locator('#main tbody tr[id^=log-]').first().click();
    await page.waitForSelector('#log-detail dl');
    const ids: string[] = [];
    for (;;) {
      ids.push(...(await page.$$eval('#main tbody tr[id^=log-]', (trs) => trs.map((tr) => tr.id))));
      if (!(await page.locator('#logs-older').count())) break;
      await page.$eval('#main table', (el) => el.setAttribute('data-stale', ''));
      await page.click('#logs-older');
      await page.waitForSelector('#main table:not([data-stale])');
      await htmxSettled(page);
    }
    // The seeded rows and the request the first test made.
    const stored = ((await (await api(a, 'GET', '/api/logs?limit=1000', { as: admin })).json()) as any).data.length;
    expect(stored).toBeGreaterThanOrEqual(rows.length);
    expect({ listed: ids.length, distinct: new Set(ids).size }).toEqual({ listed: stored, distinct: stored });
    return shown;
  }

  test('an admin on A, then on B with the same session; a change on B shows on A', async () => {
    const page = await signIn('admin', a.url, 'admin', ADMIN_PASSWORD);
    expect(await sweep(page, a.url)).toEqual(PAGES.map(([, key]) => key));
    await page.goto(`${b.url}/teams`);
    await page.waitForSelector('#main [data-page="teams"]');
    expect(await sweep(page, b.url)).toEqual(PAGES.map(([, key]) => key));

    await navTo(page, 'Teams', 'teams');
    await page.fill('#main form input[name=name]', 'made-on-b');
    await page.locator('#main form button[type=submit]').first().click();
    await page.waitForSelector('#main :text-is("made-on-b")');
    await page.goto(`${a.url}/teams`);
    await page.waitForSelector('#main :text-is("made-on-b")');

    await navTo(page, 'Monitoring', 'monitor');
    await page.waitForSelector('#monitor-status:text-is("live")');
    const { response } = await b.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'seen on A' }] }).withResponse();
    const id = response.headers.get('x-request-id')!;
    const row = page.locator('#monitor-table tr.monitor-row').filter({ has: page.locator(`.monitor-instance:text-is("b")`) }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain('mock/echo');
    expect(((await (await api(a, 'GET', `/api/logs?request_id=${id}`, { as: admin })).json()) as any).data.map((r: any) => r.instance)).toEqual(['b']);

    const key = (await (await api(b, 'POST', '/api/clients', { as: admin, body: { name: 'revoke-me' } })).json()) as any;
    const onB = () => fetch(`${b.url}/v1/models`, { headers: { authorization: `Bearer ${key.key}` } }).then((r) => r.status);
    expect(await onB()).toBe(200);
    await navTo(page, 'Clients', 'clients');
    await page.locator(`#client-${key.id} button:text-is("Revoke")`).click();
    await page.waitForSelector(`#client-${key.id} .badge:text-is("revoked")`);
    // B hears of it by a change notice (Redis): refused from then on.
    expect(await eventually(async () => (await onB()) === 401)).toBe(true);
    expect(found).toEqual([]);
  });

  test('a viewer on B, then on A', async () => {
    const page = await signIn('viewer', b.url, 'viewer1', 'viewer1-password-1');
    const readable = PAGES.map(([, key]) => key).filter((k) => k !== 'users');
    expect(await sweep(page, b.url)).toEqual(readable);
    await page.goto(`${a.url}/logs`);
    await page.waitForSelector('#main [data-page="logs"]');
    expect(await sweep(page, a.url)).toEqual(readable);
    expect(found).toEqual([]);
  });
});
