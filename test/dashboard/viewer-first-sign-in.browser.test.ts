/**
 * A viewer an admin adds on the Users page signs in for the first time, in real headless Chromium.
 * The forced password change told them the account "still uses the default password", which it
 * never had: an admin chose it.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)("a viewer's first sign-in in Chromium", () => {
  const s = useDashboardSuite('viewer-first-admin-password-1');

  test('the forced change says an admin set the password, not that it is the default', async () => {
    const { page, env } = s;
    await navTo(page, 'Users', 'users');
    const form = page.locator('#main form[hx-post="/users"]');
    await form.locator('input[name=username]').fill('vera');
    await form.locator('input[name=password]').fill('chosen-by-admin-1');
    await form.locator('select[name=role]').selectOption('viewer');
    await form.locator('button[type=submit]').click();
    await page.locator('#users-section tr', { hasText: 'vera' }).waitFor();

    const viewer = await (await s.browser.newContext()).newPage();
    await viewer.goto(`${env.gw.url}/login`);
    await viewer.fill('.auth-card input[name=username]', 'vera');
    await viewer.fill('.auth-card input[name=password]', 'chosen-by-admin-1');
    await viewer.click('button:text-is("Sign in")');
    await viewer.waitForSelector('input[name=current_password]');
    expect(await viewer.innerText('.auth-card .notice-text')).toBe(
      "This account's password was set for you (the default one, or by an admin). Choose your own to continue.",
    );
  });
});
