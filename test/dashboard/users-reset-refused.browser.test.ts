/**
 * A user's password reset that is refused (a too-common password), in real headless Chromium: the
 * message is in that user's row, beside the field, and the reset form stays open with what was
 * typed. It came back as the whole Users section with the message under "Add a user" (as if the
 * create form were wrong) and the reset form closed; the password is unchanged either way.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { createUser } from '../../src/admin/users-service';
import { users } from '../../src/db/schema';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { focusSettles } from '../browser-helpers/refusal-placement';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a refused password reset in Chromium', () => {
  let userId = 0;
  const s = useDashboardSuite('users-reset-refused-1', async (env) => {
    userId = (await createUser(env.gw.ctx.db, 'reset-viewer', 'reset-viewer-password-1', 'viewer', false)).id;
  });
  const hash = () => s.env.gw.ctx.db.select({ h: users.passwordHash }).from(users).where(eq(users.id, userId)).get()!.h;

  test("the message is under that user's new-password field, which keeps what was typed; nothing else says it", async () => {
    const { page } = s;
    const before = hash();
    await navTo(page, 'Users', 'users');
    const form = `#user-${userId} form[data-editor=password]`;
    await page.click(`#user-${userId} [data-opens=password]`);
    await page.fill(`${form} input[name=password]`, 'password1234');
    await page.click(`${form} button:text-is("Set")`);
    await focusSettles(page, form, 'password');
    await htmxSettled(page);
    expect(await page.isVisible(form)).toBe(true);
    expect(await page.inputValue(`${form} input[name=password]`)).toBe('password1234');
    const field = await page.$eval(`${form} input[name=password]`, (i) => ({
      invalid: i.getAttribute('aria-invalid'),
      message: document.getElementById(i.getAttribute('aria-describedby') ?? '')?.textContent ?? null,
      inForm: !!i.closest('form')!.querySelector(`#${i.getAttribute('aria-describedby')}`),
    }));
    expect(field).toEqual({ invalid: 'true', message: 'This password is too common; choose another.', inForm: true });
    // The "Add a user" form did nothing wrong: it says nothing.
    expect((await page.textContent('#user-create-errors'))!.trim()).toBe('');
    expect(hash()).toBe(before);
  });

  test('a reset that is taken closes the form and says so', async () => {
    const { page } = s;
    const form = `#user-${userId} form[data-editor=password]`;
    await page.fill(`${form} input[name=password]`, 'a-better-password-for-reset');
    await page.click(`${form} button:text-is("Set")`);
    await page.waitForSelector('#user-create-errors .saved');
    await htmxSettled(page);
    expect(await page.textContent('#user-create-errors .saved')).toBe('Password reset for reset-viewer; they choose a new one at next sign-in.');
    expect(await page.isVisible(form)).toBe(false);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems.filter((p) => !/Failed to load resource.*\b422\b/.test(p))).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
