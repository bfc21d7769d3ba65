/**
 * What every dashboard browser suite sets up, in one call: the gateway as an operator meets it
 * (dashboard-gateway.ts), headless Chromium, and a page signed in as the first admin, with its
 * console errors, dialogs and failed requests collected. Also the stored log row of a request, by
 * its answer's x-request-id (the real log writer stores it a moment after the answer).
 */
import { afterAll, beforeAll } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { requestLogs } from '../../src/db/schema';
import { firstRunAdminPage, startDashboardGateway, type DashboardGateway } from './dashboard-gateway';
import { launchBrowser, watchPage } from './launch-browser';

export interface DashboardSuite {
  env: DashboardGateway;
  browser: Browser;
  page: Page;
  watch: ReturnType<typeof watchPage>;
  /** Requests of the page that got no answer (a navigation's own aborts left out). */
  failedRequests: string[];
}

/**
 * Registers beforeAll/afterAll in the calling describe block; the fields are set before its first
 * test. `setup` runs once the gateway is up, before the browser starts (seed what the pages show);
 * `gateway` is startDashboardGateway's options (the auth clock).
 */
export function useDashboardSuite(
  adminPassword: string,
  setup?: (env: DashboardGateway) => Promise<void>,
  gateway?: Parameters<typeof startDashboardGateway>[0],
): DashboardSuite {
  const suite = { failedRequests: [] as string[] } as DashboardSuite;
  beforeAll(async () => {
    suite.env = await startDashboardGateway(gateway);
    await setup?.(suite.env);
    suite.browser = await launchBrowser();
    const { page, watch } = await firstRunAdminPage(suite.browser, suite.env.gw.url, adminPassword);
    page.on('requestfailed', (r) => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') suite.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
    });
    Object.assign(suite, { page, watch });
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.env?.close();
  });
  return suite;
}

/** The stored row of one request, by the x-request-id of its answer; fails after about 5 s. */
export async function storedLogRow(env: DashboardGateway, requestId: string): Promise<typeof requestLogs.$inferSelect> {
  for (let i = 0; i < 200; i++) {
    const row = env.gw.ctx.db.select().from(requestLogs).where(eq(requestLogs.requestId, requestId)).get();
    if (row) return row;
    await Bun.sleep(25);
  }
  throw new Error(`no log row of request ${requestId}`);
}
