/**
 * A role change on the Users page answers with that user's row alone, in real headless Chromium. It
 * answered with the whole section, so a password reset open in another row came back closed and
 * what was typed in it was lost. Now the other row's editor stays open with its text (the same
 * element: nothing but the changed row was swapped), the changed row says what changed, and a
 * section swap after it (a user created) still keeps an open reset (web/editors.js).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createUser, listUsers } from '../../src/admin/users-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { editorOpened } from '../browser-helpers/editor-placement';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a role change keeps other rows as they are, in Chromium', () => {
  let typing = 0;
  let promoted = 0;
  const s = useDashboardSuite('users-role-row-password-1', async (env) => {
    typing = (await createUser(env.gw.ctx.db, 'typing-viewer', 'typing-viewer-password-1', 'viewer', false)).id;
    promoted = (await createUser(env.gw.ctx.db, 'promoted-viewer', 'promoted-viewer-password-1', 'viewer', false)).id;
  });
  const roleOf = async (id: number) => (await listUsers(s.env.gw.ctx.db)).find((u) => u.id === id)!.role;
  const resetForm = (id: number) => `#user-${id} form[data-editor=password]`;

  test("another row's role change leaves an open password reset open, with what was typed, the same form", async () => {
    const { page } = s;
    await navTo(page, 'Users', 'users');
    await page.click(`#user-${typing} [data-opens=password]`);
    await editorOpened(page, resetForm(typing));
    await page.fill(`${resetForm(typing)} input[name=password]`, 'half-typed-new-password');
    // Marks the elements as they are now: a swap would put fresh copies without the mark in their place.
    await page.evaluate((sel) => document.querySelector(sel)!.setAttribute('data-was-here', '1'), resetForm(typing));
    await page.evaluate(() => document.getElementById('users-table')!.setAttribute('data-was-here', '1'));

    await page.selectOption(`#user-${promoted}-role`, 'admin');
    await page.waitForSelector(`#user-${promoted} .saved`);
    await htmxSettled(page);
    expect(await page.textContent(`#user-${promoted} .saved`)).toBe('promoted-viewer is now admin.');
    expect(await roleOf(promoted)).toBe('admin');
    expect(await page.inputValue(`#user-${promoted}-role`)).toBe('admin');

    expect(await page.isVisible(resetForm(typing))).toBe(true);
    expect(await page.inputValue(`${resetForm(typing)} input[name=password]`)).toBe('half-typed-new-password');
    expect(await page.getAttribute(resetForm(typing), 'data-was-here')).toBe('1');
    expect(await page.getAttribute('#users-table', 'data-was-here')).toBe('1');
    // Nothing was said under "Add a user", which did nothing.
    expect((await page.textContent('#user-create-errors'))!.trim()).toBe('');
  });

  test('and back: the row says so again, the reset still open; then the reset is taken', async () => {
    const { page } = s;
    await page.selectOption(`#user-${promoted}-role`, 'viewer');
    await page.waitForFunction((id) => document.querySelector(`#user-${id} .saved`)?.textContent === 'promoted-viewer is now viewer.', promoted);
    await htmxSettled(page);
    expect(await roleOf(promoted)).toBe('viewer');
    expect(await page.inputValue(`${resetForm(typing)} input[name=password]`)).toBe('half-typed-new-password');

    await page.click(`${resetForm(typing)} button:text-is("Set")`);
    await page.waitForSelector('#user-create-errors .saved');
    await htmxSettled(page);
    expect(await page.textContent('#user-create-errors .saved')).toBe('Password reset for typing-viewer; they choose a new one at next sign-in.');
    expect(await page.isVisible(resetForm(typing))).toBe(false);
  });

  test('a user created while a reset is open in a row: the section comes back with that reset still open and typed', async () => {
    const { page } = s;
    await page.click(`#user-${promoted} [data-opens=password]`);
    await editorOpened(page, resetForm(promoted));
    await page.fill(`${resetForm(promoted)} input[name=password]`, 'another-half-typed-one');
    await page.fill('#users-section input[name=username]', 'newcomer');
    await page.fill('#users-section input[name=password]:not([autocomplete="new-password"][aria-label="New password"])', 'newcomer-password-123');
    await page.click('button:text-is("Create user")');
    await page.waitForSelector('#users-table tr:has-text("newcomer")');
    await htmxSettled(page);
    await page.waitForSelector(resetForm(promoted), { state: 'visible' });
    expect(await page.inputValue(`${resetForm(promoted)} input[name=password]`)).toBe('another-half-typed-one');
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
