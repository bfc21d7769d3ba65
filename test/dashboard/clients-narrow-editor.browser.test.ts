/**
 * A key's limits editor on a phone-wide window (375 px), in real headless Chromium: the Clients
 * table scrolls sideways inside its card, and the editor used to open in the Limits column, off to
 * the right of the key's name, scrolled out of sight. It opens on a row of its own, within the
 * visible width, its heading naming the key; a save from there works.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { editorOpened, editorPlacement } from '../browser-helpers/editor-placement';

setDefaultTimeout(60_000);

const NAME = 'billing-service-eu';

const placement = (page: Page, id: string) => editorPlacement(page, `#client-${id} form[data-editor="limits"]`);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a key\u2019s limits editor at 375 px in Chromium', () => {
  const s = useDashboardSuite('clients-narrow-password-1');
  let id = '';

  test('opened from the Limits column, the editor is within the window and names the key', async () => {
    const { page } = s;
    await navTo(page, 'Clients', 'clients');
    await page.fill('#client-name', NAME);
    await page.click('button:text-is("Create key")');
    await page.waitForSelector('#new-key-value');
    // The section came back whole: the next test saves with its limits form, once htmx wired it.
    await htmxSettled(page);
    id = (await page.locator('#clients-table tbody', { has: page.locator(`.client-name:text-is("${NAME}")`) }).getAttribute('id'))!.replace('client-', '');

    await page.setViewportSize({ width: 375, height: 800 });
    // The table is wider than the window: the Limits column is reached by scrolling it sideways.
    expect(await page.evaluate(() => { const w = document.querySelector('.clients-wrap')!; return w.scrollWidth > w.clientWidth; })).toBe(true);
    await page.click(`#client-${id} [data-opens=limits]`);
    await page.waitForSelector(`#client-${id} form[data-editor="limits"] input[name=rpm]`, { state: 'visible' });
    await editorOpened(page, `#client-${id} form[data-editor="limits"]`);
    const at = await placement(page, id);
    await screenshot(page, 'w375-client-limits-editor');
    expect(at).toEqual({ formOut: false, fieldsOut: [], fields: expect.any(Number), title: `Limits of ${NAME} ${await page.textContent(`#client-${id} td code`)}`, titleOut: false, pageOverflow: 0 });
    expect(at.fields).toBeGreaterThan(5);
    // The focus went to its first field, as on a wide window.
    expect(await page.evaluate((id) => document.querySelector(`#client-${id} form[data-editor="limits"]`)!.contains(document.activeElement), id)).toBe(true);
  });

  test('a save from the narrow editor works, and the editor closes', async () => {
    const { page } = s;
    await page.fill(`#client-${id} input[name=rpm]`, '7');
    await page.click(`#client-${id} button:text-is("Save limits")`);
    await page.waitForSelector(`#client-${id} .limits-summary:text("7 rpm")`);
    expect(await page.isVisible(`#client-${id} form[data-editor="limits"]`)).toBe(false);
  });

  test('on a laptop-wide window the open editor does not widen the table', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.click(`#client-${id} [data-opens=limits]`);
    await page.waitForSelector(`#client-${id} form[data-editor="limits"] input[name=rpm]`, { state: 'visible' });
    await editorOpened(page, `#client-${id} form[data-editor="limits"]`);
    expect(await page.evaluate(() => { const w = document.querySelector('.clients-wrap')!; return w.scrollWidth - w.clientWidth; })).toBeLessThanOrEqual(1);
    expect((await placement(page, id)).fieldsOut).toEqual([]);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
