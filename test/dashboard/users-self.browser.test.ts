/**
 * An admin's own row on the Users page, in real headless Chromium: making oneself a viewer asks
 * first and then shows the dashboard as a viewer sees it (the admin page stayed on screen, every
 * control answering 403), and answered Cancel leaves the role picker on admin (it said viewer); one's own password goes through Change password (a reset ended the
 * session in use); a role other than admin or viewer is refused, not made a viewer.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createUser, listUsers } from '../../src/admin/users-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)("the admin's own row in Chromium", () => {
  const s = useDashboardSuite('users-self-password-1', async (env) => {
    await createUser(env.gw.ctx.db, 'second-admin', 'second-admin-password', 'admin', false);
  });
  const roleOf = async (name: string) => (await listUsers(s.env.gw.ctx.db)).find((u) => u.username === name)?.role;

  test('no Reset password on one\'s own row: Change password instead', async () => {
    const { page } = s;
    await navTo(page, 'Users', 'users');
    const self = page.locator('#users-table tr, #users-section tr', { hasText: '(you)' }).first();
    expect(await self.locator('button:text-is("Reset password")').count()).toBe(0);
    expect(await self.locator('a[href="/change-password"]').count()).toBe(1);
    const other = page.locator('#users-section tr', { hasText: 'second-admin' });
    expect(await other.locator('button:text-is("Reset password")').count()).toBe(1);
  });

  test('a role that is neither admin nor viewer is refused; nothing changes', async () => {
    const { env, page } = s;
    const csrf = await page.evaluate(() => JSON.parse(document.getElementById('app')?.getAttribute('hx-headers') ?? '{}')['x-csrf-token']);
    const id = (await listUsers(env.gw.ctx.db)).find((u) => u.username === 'second-admin')!.id;
    const r = await page.request.post(`${env.gw.url}/users/${id}/role`, { form: { role: 'root' }, headers: { 'x-csrf-token': csrf, 'hx-request': 'true' } });
    expect(r.status()).toBe(422);
    expect(await r.text()).toContain('must be admin or viewer');
    expect(await roleOf('second-admin')).toBe('admin');
  });

  test('cancelled, the question leaves the role picker saying admin, as the role still is', async () => {
    const { page } = s;
    await navTo(page, 'Users', 'users');
    const picker = page.locator('#users-section tr', { hasText: '(you)' }).locator('select[name=role]');
    // The person answers Cancel (window.confirm is what hx-confirm asks with).
    await page.evaluate(() => {
      const w = window as unknown as { confirm: (q?: string) => boolean; realConfirm?: (q?: string) => boolean };
      w.realConfirm = w.confirm;
      w.confirm = () => false;
    });
    try {
      // Asked and answered within the change event itself: nothing to wait for after it.
      await picker.selectOption('viewer');
      await htmxSettled(page);
      // It said "viewer" of an admin until the page was loaded again.
      expect(await picker.inputValue()).toBe('admin');
      expect(await roleOf('admin')).toBe('admin');
    } finally {
      await page.evaluate(() => {
        const w = window as unknown as { confirm: (q?: string) => boolean; realConfirm?: (q?: string) => boolean };
        w.confirm = w.realConfirm!;
      });
    }
  });

  test('making oneself a viewer asks, then shows the dashboard as a viewer', async () => {
    const { page, watch } = s;
    await navTo(page, 'Users', 'users');
    const self = page.locator('#users-section tr', { hasText: '(you)' });
    await self.locator('select[name=role]').selectOption('viewer');
    // The role change reloads the whole page: on a loaded CI machine that takes longer than the 8 s default.
    await page.waitForSelector('#main [data-page="usage"]', { timeout: 30_000 });
    expect(watch.dialogs).toEqual(['confirm: Make yourself a viewer? You lose the admin pages at once.']);
    expect(await roleOf('admin')).toBe('viewer');
    expect(await page.locator('.nav a:text-is("Users")').count()).toBe(0);
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.problems).toEqual([]);
  });
});
