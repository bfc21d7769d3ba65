/**
 * The gateway as an operator meets it: default admin/admin123 (change forced), the real
 * log-writer worker (so rollups and the Usage page fill; the shared test helper would use an
 * in-memory sink), the real monitor hub, and OpenAI pointed at a fake upstream on loopback.
 */
import { createLogSink } from '../../src/logging/log-sink';
import { jsonResponse, startFakeUpstream, fixtureJson, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiEmbeddingAnswer } from '../embeddings/fake-embeddings';
import { mkdtempSync, rmSync } from 'node:fs';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { watchPage } from './launch-browser';

export interface DashboardGateway {
  gw: TestGateway;
  upstream: FakeUpstream;
  close(): Promise<void>;
}

/** `authClock`: the sessions' clock (a test moves it past the session lifetime). */
export async function startDashboardGateway(opts: { authClock?: () => number } = {}): Promise<DashboardGateway> {
  const upstream = startFakeUpstream((_req, rec) => {
    if (rec.path.endsWith('/models')) return jsonResponse({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] });
    if (rec.path.endsWith('/chat/completions')) return jsonResponse(fixtureJson('openai', 'chat.json'));
    if (rec.path.endsWith('/embeddings')) return openaiEmbeddingAnswer(rec.body, 5);
    return jsonResponse({ error: { message: `unexpected ${rec.path}` } }, 404);
  });
  // The log writer needs the database path before the gateway exists: give it its own dir and
  // point the gateway at the same file.
  const dir = mkdtempSync(join(tmpdir(), 'gophergate-dash-'));
  const dbPath = join(dir, 'gophergate.db');
  // The worker prepares its statements at start, so the tables must exist first.
  const pre = openDatabase(dbPath);
  runMigrations(pre.db);
  pre.sqlite.close();
  // The context connects this sink to its monitor hub (src/monitor/connect-monitor.ts).
  const sink = createLogSink({ dbPath, flushMs: 20, warn: () => {} });
  const gw = await startGateway({
    logSink: sink,
    authClock: opts.authClock,
    env: {
      ...providerEnv('openai', `${upstream.url}/v1`),
      LLM_PROXY__DATABASE__PATH: dbPath,
      // Empty: the default admin/admin123 with a forced change, as on a real first start.
      LLM_PROXY__ADMIN__PASSWORD: '',
    },
  });
  return {
    gw,
    upstream,
    async close() {
      await gw.close();
      upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A page (1360x900, 8 s per action) signed in as `admin` through the first-run password change
 * (admin123 -> `newPassword`), on the Usage page; `watch` collects its console errors and failed requests.
 */
export async function firstRunAdminPage(browser: Browser, url: string, newPassword: string): Promise<{ page: Page; watch: ReturnType<typeof watchPage> }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  context.setDefaultTimeout(8_000);
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(`${url}/login`);
  await page.fill('.auth-card input[name=username]', 'admin');
  await page.fill('.auth-card input[name=password]', 'admin123');
  await page.click('button:text-is("Sign in")');
  await page.waitForSelector('input[name=current_password]');
  // The change-password form came by an htmx swap: clicked before htmx wired it, it posts natively.
  await htmxSettled(page);
  await page.fill('input[name=current_password]', 'admin123');
  await page.fill('input[name=new_password]', newPassword);
  await page.fill('input[name=confirm_password]', newPassword);
  await page.click('button:text-is("Change password")');
  await page.waitForSelector('#main [data-page="usage"]');
  await htmxSettled(page);
  return { page, watch };
}

/**
 * Clicks a sidebar link and waits for the page it loads. The page on screen is marked first, so a
 * click on the link of the page already shown waits for the new copy (waiting for the page's
 * selector alone returned at once, and a test then typed into the old form while htmx swapped in
 * an empty one).
 */
export async function navTo(page: Page, label: string, pageKey: string): Promise<void> {
  await markStale(page, '#main [data-page]');
  await page.click(`.nav a:text-is("${label}")`);
  await page.waitForSelector(`#main [data-page="${pageKey}"]:not([data-stale])`);
  await htmxSettled(page);
}

/**
 * Marks the element on screen now (data-stale), so that a wait for `${selector}:not([data-stale])`
 * waits for the copy an answer swaps in, not the one still shown (a row's earlier "saved" mark).
 */
export async function markStale(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => el.setAttribute('data-stale', ''));
}

/**
 * Waits until htmx has no request in flight and has settled its last swap. htmx wires swapped-in
 * forms and buttons as the swap settles (a moment after the new content is in the page): a key
 * pressed or a submit button clicked before that submits natively, or does nothing.
 */
export async function htmxSettled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added'));
}
