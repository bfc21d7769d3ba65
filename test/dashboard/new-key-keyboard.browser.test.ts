/**
 * A key created from the keyboard alone, in real headless Chromium: the one thing to do next is
 * to copy the key (it is never shown again), so the focus goes to its Copy button, and Enter
 * there copies it. Before, the focus went back to the emptied name field below the panel, and the
 * Copy button was behind it in the tab order (Tab went on to the table, past every key's Revoke).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a new key from the keyboard in Chromium', () => {
  const s = useDashboardSuite('new-key-keyboard-password-1');

  test('Enter in the name field creates the key and puts the focus on its Copy button; Enter copies it', async () => {
    const { page } = s;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.env.gw.url });
    await navTo(page, 'Clients', 'clients');
    await page.focus('#client-name');
    await page.keyboard.type('keyboard-made-key');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#new-key-value');
    await page.waitForFunction(() => document.activeElement?.matches('#new-key button[data-copy]') ?? false, null, { timeout: 3_000 })
      .catch(async () => {
        const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160) ?? 'nothing');
        throw new Error(`focus is not on the new key's Copy button but on ${at}`);
      });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#new-key button[data-copy]')?.textContent?.trim() === 'Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe((await page.textContent('#new-key-value'))!.trim());
  });

  test('a refused name keeps the focus in the name field (no panel, nothing to copy)', async () => {
    const { page } = s;
    await navTo(page, 'Clients', 'clients');
    await page.focus('#client-name');
    await page.keyboard.type('   ');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#client-create-errors .form-errors');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('client-name');
    expect(await page.locator('#new-key').count()).toBe(0);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems.filter((p) => !p.includes('422'))).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
