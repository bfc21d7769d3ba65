/**
 * The Logs page's detail panel in real headless Chromium: a region named by its heading, which
 * takes the focus when a row opens it; a Close link, and Escape, close it and give the focus back
 * to the row it showed; opened from its own address (/logs/12), closing it leaves /logs.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

async function focusIs(page: Page, id: string): Promise<void> {
  await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 3_000 })
    .catch(async () => { throw new Error(`focus is on '${await focusedId(page)}', not '${id}'`); });
}

/** The panel's accessible region: its role and the name its aria-labelledby gives it. */
const region = (page: Page) => page.evaluate(() => {
  const r = document.querySelector('#log-detail [role="region"]');
  const by = r?.getAttribute('aria-labelledby');
  return { role: r?.getAttribute('role') ?? null, name: by ? document.getElementById(by)?.textContent?.trim() ?? null : null };
});

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the log detail panel in Chromium', () => {
  const rowIds: number[] = [];
  const s = useDashboardSuite('log-detail-panel-password-1', async (env) => {
    const openai = env.gw.openai();
    for (let i = 0; i < 2; i++) {
      const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
      rowIds.push((await storedLogRow(env, response.headers.get('x-request-id')!)).id);
    }
  });

  test('Enter on a row: the focus moves to the panel\u2019s heading, which names the region; Escape closes it, focus back on the row', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    const [first] = rowIds;
    await page.focus(`#log-${first}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#log-detail [data-log-detail]');
    await focusIs(page, 'log-detail-title');
    expect(await region(page)).toEqual({ role: 'region', name: expect.stringMatching(new RegExp(`^Request #${first}\\b`)) });
    // Tab goes on to the Close link, named for what it closes.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Close the request detail');

    await page.keyboard.press('Escape');
    await page.waitForSelector('#log-detail [data-log-detail]', { state: 'detached' });
    expect(await page.textContent('#log-detail')).toBe('Select a row to see its detail.');
    await focusIs(page, `log-${first}`);
  });

  test('a click on another row, then Close: closed, focus on that row; Escape with nothing open does nothing', async () => {
    const { page } = s;
    const second = rowIds[1]!;
    await page.click(`#log-${second}`);
    await page.waitForSelector(`#log-detail [data-log-id="${second}"]`);
    await focusIs(page, 'log-detail-title');
    await page.click('#log-detail [data-close-detail]');
    await page.waitForSelector('#log-detail [data-log-detail]', { state: 'detached' });
    await focusIs(page, `log-${second}`);
    // The address stayed the list's (a click on the link did not navigate).
    expect(new URL(page.url()).pathname).toBe('/logs');
    await page.keyboard.press('Escape');
    await focusIs(page, `log-${second}`);
  });

  test('Escape in a filter field leaves the panel open', async () => {
    const { page } = s;
    await page.click(`#log-${rowIds[0]}`);
    await page.waitForSelector('#log-detail [data-log-detail]');
    await page.focus('#main input[name=request_id]');
    await page.keyboard.press('Escape');
    expect(await page.locator('#log-detail [data-log-detail]').count()).toBe(1);
  });

  test('opened from its own address: Escape closes it and the address becomes /logs', async () => {
    const { env, page } = s;
    const [first] = rowIds;
    await page.goto(`${env.gw.url}/logs/${first}`);
    await page.waitForSelector(`#log-detail [data-log-id="${first}"]`);
    await page.focus('#log-detail [data-close-detail]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#log-detail [data-log-detail]', { state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/logs');
    await focusIs(page, `log-${first}`);
  });

  test('a row gone from the log: the panel says so and closes the same way', async () => {
    const { env, page } = s;
    await page.goto(`${env.gw.url}/logs/99999999`);
    await page.waitForSelector('#log-detail [data-log-detail]');
    expect(await region(page)).toEqual({ role: 'region', name: 'Request not found' });
    await page.click('#log-detail [data-close-detail]');
    await page.waitForSelector('#log-detail [data-log-detail]', { state: 'detached' });
    // The page's heading (it has no id): a wait for "no id" returned at once, the body had the focus before the click.
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1', null, { timeout: 3_000 }).catch(() => {});
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems.filter((p) => !/Failed to load resource.*\b404\b/.test(p))).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
