/**
 * Every inline editor of the dashboard used from the keyboard alone, in real headless Chromium:
 * Enter on its opener moves the focus to its first field, Escape closes it (what was typed stays
 * for the next opening, as with Cancel) and gives the focus back to the opener.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { createClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { createUser, getUser } from '../../src/admin/users-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

/** Waits until the focused element matches `selector` (focus moves once Alpine has shown or hidden the form). */
async function focusOn(page: Page, selector: string): Promise<void> {
  try {
    await page.waitForFunction((sel) => document.activeElement?.matches(sel) ?? false, selector, { timeout: 3_000 });
  } catch {
    const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160) ?? 'nothing');
    throw new Error(`focus is not on ${selector} but on ${at}`);
  }
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('inline editors from the keyboard in Chromium', () => {
  let clientId = 0;
  let teamId = 0;
  let userId = 0;

  const s = useDashboardSuite('editors-keyboard-password-1', async (env) => {
    clientId = (await createClient(env.gw.ctx, 'keyboard-key')).id;
    teamId = (await createTeam(env.gw.ctx, { name: 'keyboard-team' })).id;
    userId = (await createUser(env.gw.ctx.db, 'keyboard-viewer', 'a-long-enough-password', 'viewer')).id;
  });

  /** Opens the editor from its opener with Enter, types, closes it with Escape; the focus is followed throughout. */
  async function escapeWalk(opener: string, form: string, firstField: string, typed = 'typed-then-escaped') {
    const { page } = s;
    await page.focus(opener);
    await page.keyboard.press('Enter');
    await page.locator(form).waitFor({ state: 'visible' });
    await focusOn(page, `${form} ${firstField}`);
    await page.keyboard.type(typed);
    await page.keyboard.press('Escape');
    await page.locator(form).waitFor({ state: 'hidden' });
    await focusOn(page, opener);
    // Opened again: what was typed is still there, as after Cancel.
    await page.keyboard.press('Enter');
    await focusOn(page, `${form} ${firstField}`);
    expect(await page.inputValue(`${form} ${firstField}`)).toContain(typed);
    await page.keyboard.press('Escape');
    await page.locator(form).waitFor({ state: 'hidden' });
  }

  test("a key's limits editor closes with Escape and the focus goes back to its summary", async () => {
    await navTo(s.page, 'Clients', 'clients');
    await escapeWalk(`#client-${clientId} [data-opens=limits]`, `#client-${clientId} form.limits-form`, 'input[name=models]');
    expect(await s.page.getAttribute(`#client-${clientId} [data-opens=limits]`, 'aria-expanded')).toBe('false');
  });

  test("a key's rename form closes with Escape; the name shows again and Rename has the focus", async () => {
    await navTo(s.page, 'Clients', 'clients');
    await escapeWalk(`#client-${clientId} [data-opens=rename]`, `#client-${clientId} form[hx-post$="/rename"]`, 'input[name=name]');
    expect(await s.page.isVisible(`#client-${clientId} .client-name`)).toBe(true);
  });

  test("a team's editor closes with Escape", async () => {
    await navTo(s.page, 'Teams', 'teams');
    await escapeWalk(`#team-${teamId} [data-opens=team]`, `#team-${teamId} form.limits-form`, 'input[name=name]');
  });

  test("a model's long-context tier and audio/tier editors close with Escape", async () => {
    await navTo(s.page, 'Models', 'models');
    const row = (await s.page.locator('tr:has([data-opens=tier])').first().getAttribute('id'))!;
    await escapeWalk(`#${row} [data-opens=tier]`, `#${row} form.tier-form`, 'input[name=long_context_threshold]', '123');
    await escapeWalk(`#${row} [data-opens=tiers]`, `#${row} form.audio-tiers-form`, 'input[name=audio_input_price]', '1.5');
  });

  test("a pool's Add key form closes with Escape or its Cancel (it had no way to close)", async () => {
    const { page } = s;
    await navTo(page, 'Providers', 'providers');
    const form = 'form[hx-post="/providers/openai/keys"]';
    await escapeWalk(`${form} [data-opens=key]`, `${form} span.inline-form`, 'input[name=key]');
    await page.focus(`${form} [data-opens=key]`);
    await page.keyboard.press('Enter');
    await focusOn(page, `${form} input[name=key]`);
    await page.click(`${form} button:text-is("Cancel")`);
    await page.locator(`${form} span.inline-form`).waitFor({ state: 'hidden' });
    await focusOn(page, `${form} [data-opens=key]`);
  });

  test("a user's password reset closes with Escape", async () => {
    await navTo(s.page, 'Users', 'users');
    await escapeWalk(`#user-${userId} [data-opens=password]`, `#user-${userId} form[hx-post$="/password"]`, 'input[name=password]');
  });

  test("a group's Edit (a <details>) closes with Escape and its summary has the focus", async () => {
    const { page } = s;
    await navTo(page, 'Model groups', 'groups');
    const summary = '#group_new-box summary';
    await page.focus(summary);
    await page.keyboard.press('Enter');
    await page.locator('#group_new-box form').waitFor({ state: 'visible' });
    await page.focus('#group_new-box form input[name=name]');
    await page.keyboard.type('escaped-group');
    await page.keyboard.press('Escape');
    await page.locator('#group_new-box form').waitFor({ state: 'hidden' });
    await focusOn(page, summary);
    expect(await page.locator('#group_new-box details[open]').count()).toBe(0);
  });

  test('a click elsewhere right after opening keeps the focus there: what is typed next does not land in the editor', async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'quick-clicker');
    await navTo(page, 'Clients', 'clients');
    // In one task: the opener clicked, then at once (before the frame that shows the editor, where
    // its own focus on the first field waits) the "New client" field clicked. A dozen frames on,
    // the focus must still be where the operator put it last.
    const after = await page.evaluate(async (row) => {
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      (document.querySelector(`${row} [data-opens=limits]`) as HTMLElement).click();
      (document.getElementById('client-name') as HTMLInputElement).focus();
      for (let i = 0; i < 12; i++) await frame();
      return document.activeElement?.id ?? null;
    }, `#client-${id}`);
    expect(after).toBe('client-name');
    expect(await page.isVisible(`#client-${id} form.limits-form`)).toBe(true);
    await page.keyboard.type('typed-after-a-quick-click');
    expect(await page.inputValue(`#client-${id} input[name=models]`)).toBe('');
    expect(await page.inputValue('#client-name')).toBe('typed-after-a-quick-click');
    await page.fill('#client-name', '');
  });

  test("saved with Enter: the section comes back and the focus is on the same editor's opener, not the page's start", async () => {
    const { page } = s;
    await navTo(page, 'Clients', 'clients');
    const opener = `#client-${clientId} [data-opens=limits]`;
    await page.focus(opener);
    await page.keyboard.press('Enter');
    await focusOn(page, `#client-${clientId} input[name=models]`);
    await page.fill(`#client-${clientId} input[name=models]`, '');
    await page.focus(`#client-${clientId} input[name=rpm]`);
    await page.keyboard.type('42');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#client-${clientId} .limits-summary:text("42 rpm")`);
    await focusOn(page, opener);

    await navTo(page, 'Teams', 'teams');
    await page.focus(`#team-${teamId} [data-opens=team]`);
    await page.keyboard.press('Enter');
    await focusOn(page, `#team-${teamId} input[name=name]`);
    await page.fill(`#team-${teamId} input[name=name]`, 'keyboard-team-renamed');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#team-${teamId} .team-name:text-is("keyboard-team-renamed")`);
    await focusOn(page, `#team-${teamId} [data-opens=team]`);

    await navTo(page, 'Providers', 'providers');
    const form = 'form[hx-post="/providers/openai/keys"]';
    await page.focus(`${form} [data-opens=key]`);
    await page.keyboard.press('Enter');
    await focusOn(page, `${form} input[name=key]`);
    await page.keyboard.type('sk-keyboard-added-4242');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#provider-keys-openai td:has-text("4242")');
    await focusOn(page, `${form} [data-opens=key]`);
  });

  test('a select that saves or filters on change keeps the focus through the swap (arrow keys step through it)', async () => {
    const { env, page } = s;
    await navTo(page, 'Models', 'models');
    await page.focus('#main select[name=provider]');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => new URL(location.href).searchParams.has('provider'));
    await focusOn(page, '#main select[name=provider]');
    await page.keyboard.press('ArrowDown');
    await focusOn(page, '#main select[name=provider]');
    // That filter's page lands before the next page is asked for (a late one would replace it).
    await htmxSettled(page);

    await navTo(page, 'Users', 'users');
    await page.focus(`#user-${userId} select[name=role]`);
    await page.keyboard.press('ArrowUp'); // viewer -> admin, saved at once
    await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-settling'));
    await focusOn(page, `#user-${userId} select[name=role]`);
    expect((await getUser(env.gw.ctx.db, userId)).role).toBe('admin');
  });

  test('the first Tab stop skips the sidebar; a page opened from the sidebar starts at its heading', async () => {
    const { env, page } = s;
    await page.goto(`${env.gw.url}/clients`);
    await page.keyboard.press('Tab');
    await focusOn(page, 'a.skip-link');
    expect(await page.isVisible('a.skip-link')).toBe(true);
    expect(await page.evaluate(() => document.querySelector('a.skip-link')!.getBoundingClientRect().top >= 0)).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await focusOn(page, '#client-name');

    // Enter on a sidebar link: the new page's heading has the focus, and Tab goes into that page.
    await page.focus('.nav a[data-nav=teams]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#main [data-page="teams"]');
    await focusOn(page, '#main h1');
    await page.keyboard.press('Tab');
    await focusOn(page, '#team-name');
  });

  test("Revoke or Delete from the keyboard: the focus stays by the row (or its section once the row is gone)", async () => {
    const { env, page } = s;
    const doomed = await createClient(env.gw.ctx, 'keyboard-revoked');
    await navTo(page, 'Clients', 'clients');
    await page.focus(`#client-${doomed.id} button:text-is("Revoke")`);
    await page.keyboard.press('Enter'); // the confirm is accepted (watchPage)
    await page.waitForSelector(`#client-${doomed.id} .badge:text-is("revoked")`);
    await focusOn(page, `#client-${doomed.id}`);

    const gone = await createTeam(env.gw.ctx, { name: 'keyboard-deleted-team' });
    await navTo(page, 'Teams', 'teams');
    await page.focus(`#team-${gone.id} button:text-is("Delete")`);
    await page.keyboard.press('Enter');
    await page.locator(`#team-${gone.id}`).waitFor({ state: 'detached' });
    await focusOn(page, '#teams-section, #teams-table');
    expect(s.watch.dialogs.filter((d) => !d.startsWith('confirm: '))).toEqual([]);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    // The Revoke and Delete confirms above, nothing else.
    expect(s.watch.dialogs.filter((d) => !d.startsWith('confirm: '))).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
