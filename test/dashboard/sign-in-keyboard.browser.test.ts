/**
 * Signing in and the first password change from the keyboard alone, in real headless Chromium:
 * the focus is where the next thing to type goes, and a refused change keeps the three passwords
 * as typed (never sent back in the answer), the field at fault marked with its message under it.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/admin/users-service';
import { chromiumAvailable, watchPage } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const GIVEN = 'given-by-an-admin-1';
const NEW = 'my-own-password-1234';

const focusedName = (page: Page) => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? '');

async function focusOn(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => (document.activeElement as HTMLInputElement | null)?.name === n, name, { timeout: 3_000 })
    .catch(async () => { throw new Error(`focus is on '${await focusedName(page)}', not '${name}'`); });
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('signing in from the keyboard in Chromium', () => {
  const s = useDashboardSuite('sign-in-keyboard-password-1', async (env) => {
    await createUser(env.gw.ctx.db, 'newcomer', GIVEN, 'viewer', true);
  });
  let page: Page;
  let watch: ReturnType<typeof watchPage>;

  test('a refused sign-in keeps the name and puts the focus on the password', async () => {
    page = await (await s.browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    watch = watchPage(page);
    await page.goto(`${s.env.gw.url}/login`);
    await focusOn(page, 'username');
    await page.keyboard.type('newcomer');
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.auth-card .form-errors');
    expect(await page.inputValue('input[name=username]')).toBe('newcomer');
    await focusOn(page, 'password');
    // The refusal came with a new copy of the form: Enter before htmx wired it would post it natively.
    await htmxSettled(page);
    await page.keyboard.type(GIVEN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('input[name=current_password]');
    expect(new URL(page.url()).pathname).toBe('/change-password');
  });

  test('the password change: the focus starts on the current password; a refusal keeps all three, the culprit marked', async () => {
    await focusOn(page, 'current_password');
    await htmxSettled(page);
    await page.keyboard.type(GIVEN);
    await page.keyboard.press('Tab');
    await page.keyboard.type(NEW);
    await page.keyboard.press('Tab');
    await page.keyboard.type(`${NEW}x`);
    const answer = page.waitForResponse((r) => r.url().endsWith('/change-password') && r.request().method() === 'POST');
    await page.keyboard.press('Enter');
    expect(await (await answer).text()).not.toContain(NEW);
    await page.waitForSelector('label:has(input[name=confirm_password]) .form-errors');
    expect(await page.textContent('.auth-card .form-errors')).toBe('The two new passwords differ.');
    const typed = () => Promise.all(['current_password', 'new_password', 'confirm_password'].map((n) => page.inputValue(`input[name=${n}]`)));
    expect(await typed()).toEqual([GIVEN, NEW, `${NEW}x`]);
    await focusOn(page, 'confirm_password');
    expect(await page.getAttribute('input[name=confirm_password]', 'aria-invalid')).toBe('true');

    // Corrected there, but the current password mistyped: the mark moves to it.
    await page.fill('input[name=confirm_password]', NEW);
    await page.fill('input[name=current_password]', 'a-wrong-current-one');
    await page.keyboard.press('Enter');
    await page.waitForSelector('label:has(input[name=current_password]) .form-errors');
    expect(await page.locator('.auth-card .form-errors').count()).toBe(1);
    expect(await page.getAttribute('input[name=confirm_password]', 'aria-invalid')).toBeNull();
    await focusOn(page, 'current_password');
    expect(await typed()).toEqual(['a-wrong-current-one', NEW, NEW]);

    await page.fill('input[name=current_password]', GIVEN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#main [data-page="usage"]');
  });

  test('nothing else went wrong', () => {
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b(401|422)\b/.test(p))).toEqual([]);
    expect(watch.dialogs).toEqual([]);
  });
});
