/**
 * The Monitoring page left paused while traffic goes on, in real headless Chromium: it counts every
 * request that came in meanwhile, but keeps only the 200 newest (all the table ever shows). It kept
 * every one: a tab paused overnight on a busy gateway held millions of rows and grew until it died.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(90_000);

const SENT = 230;
const SHOWN = 200;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the Monitoring page paused in Chromium', () => {
  const s = useDashboardSuite('monitor-paused-admin-1');

  test(`${SENT} requests while paused: all counted, the ${SHOWN} newest kept and shown on Resume`, async () => {
    const { page, env } = s;
    await navTo(page, 'Monitoring', 'monitor');
    await page.locator('#monitor-status', { hasText: 'live' }).waitFor();
    await page.click('#monitor-pause');
    const openai = env.gw.openai();
    let last = '';
    for (let i = 0; i < SENT; i += 23) {
      const batch = await Promise.all(Array.from({ length: Math.min(23, SENT - i) }, (_, j) =>
        openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `n${i + j}` }] }).withResponse()));
      last = batch.at(-1)!.response.headers.get('x-request-id')!;
    }
    await page.locator('header', { hasText: `${SENT} new while paused` }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#monitor-table .monitor-row').count()).toBe(0);
    // What the paused page holds for later: no more than it can show.
    const held = await page.$eval('[data-page="monitor"]', (el) => (window as unknown as { Alpine: { $data(e: Element): { held: unknown[] } } }).Alpine.$data(el).held.length);
    expect(held).toBe(SHOWN);

    await page.click('#monitor-pause');
    await page.locator('#monitor-pause', { hasText: 'Pause' }).waitFor();
    expect(await page.locator('#monitor-table .monitor-row').count()).toBe(SHOWN);
    expect(await page.isVisible('text=new while paused')).toBe(false);
    // Newest first: the last request answered is among the first rows (a batch's order is the server's).
    const firstIds = await page.$eval('[data-page="monitor"]', (el) =>
      (window as unknown as { Alpine: { $data(e: Element): { rows: { id: string }[] } } }).Alpine.$data(el).rows.slice(0, 23).map((r) => r.id.split(':')[0]));
    expect(firstIds).toContain(last);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
