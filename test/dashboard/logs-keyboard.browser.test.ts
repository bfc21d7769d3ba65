/**
 * The Logs page from the keyboard, in real headless Chromium, with more rows than one page: every
 * filter change reloads the page, and the focus must stay where the operator was (it fell to the
 * start of the page: Tab out of Model, or one arrow in Status, and the next key did nothing useful).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

/** The id of the focused element once the Logs page was swapped in again (the old copy marked stale). */
async function focusAfterReload(page: Page, act: () => Promise<void>): Promise<string> {
  await page.evaluate(() => document.querySelector('#main [data-page]')?.setAttribute('data-stale', ''));
  await act();
  await page.waitForSelector('#main [data-page="logs"]:not([data-stale])');
  // htmx gives the focus back in the swap itself; the settle after it is waited for all the same.
  await page.waitForFunction(() => !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request'));
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || '');
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the Logs page from the keyboard in Chromium', () => {
  let failedRowId = 0;
  let failedRequestId = '';

  const s = useDashboardSuite('logs-keyboard-password-1', async (env) => {
    const openai = env.gw.openai();
    // 120 answered and 1 refused (an unknown model): three pages of 50.
    for (let i = 0; i < 120; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })));
    }
    const { response } = await openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }] }).withResponse().catch((e) => ({ response: e }));
    failedRequestId = (response as { headers: Headers }).headers.get('x-request-id')!;
    failedRowId = (await storedLogRow(env, failedRequestId)).id;
  });

  test('Tab out of the Model filter: the page reloads filtered and the focus is on the next filter', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    await page.focus('#main input[name=model]');
    await page.keyboard.type('gpt-4o-mini');
    const at = await focusAfterReload(page, () => page.keyboard.press('Tab'));
    // Only the filter set is in the address, not every blank field.
    expect(new URL(page.url()).search).toBe('?model=gpt-4o-mini');
    expect(at).toBe('logs-endpoint');
  });

  test('arrowing through Status filters at each step and keeps the focus on Status', async () => {
    const { page } = s;
    await page.focus('#main select[name=status]');
    // any -> success -> failed: each a reload.
    expect(await focusAfterReload(page, () => page.keyboard.press('ArrowDown'))).toBe('logs-status');
    expect(new URL(page.url()).searchParams.get('status')).toBe('ok');
    expect(await focusAfterReload(page, () => page.keyboard.press('ArrowDown'))).toBe('logs-status');
    expect(new URL(page.url()).searchParams.get('status')).toBe('error');
    // The refused request's row is the one listed (the model filter cleared first).
    await page.fill('#main input[name=model]', '');
    await focusAfterReload(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('#logs-table tbody tr').count()).toBe(1);
    expect(await page.locator(`#log-${failedRowId}`).count()).toBe(1);
  });

  test('Enter in the Request id filter: that request is listed, and the focus stays in the field (it fell to the page\'s start)', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    await page.focus('#main input[name=request_id]');
    await page.keyboard.type(failedRequestId);
    const at = await focusAfterReload(page, () => page.keyboard.press('Enter'));
    expect(new URL(page.url()).searchParams.get('request_id')).toBe(failedRequestId);
    expect(await page.locator('#logs-table tbody tr').count()).toBe(1);
    expect(at).toBe('logs-request-id');
  });

  test('Enter on "Older" pages on, with the focus on the next page\'s "Older" until the last page', async () => {
    const { page } = s;
    await navTo(page, 'Logs', 'logs');
    expect(await page.locator('#logs-table tbody tr').count()).toBe(50);
    await page.focus('#logs-older');
    expect(await focusAfterReload(page, () => page.keyboard.press('Enter'))).toBe('logs-older');
    expect(await page.locator('#logs-table tbody tr').count()).toBe(50);
    expect(new URL(page.url()).searchParams.has('before_id')).toBe(true);
    // The last page: 21 rows, and no "Older" to keep the focus on.
    await focusAfterReload(page, () => page.keyboard.press('Enter'));
    expect(await page.locator('#logs-table tbody tr').count()).toBe(21);
    expect(await page.locator('#logs-older').count()).toBe(0);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems.filter((p) => !/Failed to load resource.*\b404\b/.test(p))).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
