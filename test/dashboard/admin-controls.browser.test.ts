/**
 * Admin controls at their edges, in real headless Chromium: budgets shown as typed, a model list
 * naming nothing, an on/off form sent with another value, an admin demoted while the page is
 * open; and today's additions seen as an operator sees them (per-model key states on the
 * Providers page, the fast-mode and US-only multipliers on the Models page).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { createClient, getClient, updateClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { createUser, setRole } from '../../src/admin/users-service';
import { getProvider } from '../../src/admin/providers-service';
import { models } from '../../src/db/schema';
import { scopedSlot } from '../../src/key-pool/key-slots';
import { chromiumAvailable, screenshot, watchPage } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { envSlot } from '../helpers/env-key';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('admin controls at their edges, in Chromium', () => {
  const s = useDashboardSuite('admin-controls-password-1');

  const nav = (label: string, pageKey: string) => navTo(s.page, label, pageKey);

  test('a budget reads as typed, cents included, and the spend beside it to the cent', async () => {
    const { env, page } = s;
    const big = await createClient(env.gw.ctx, 'budget-cents');
    await updateClient(env.gw.ctx, big.id, { budget_usd: 1234.56, budget_period: 'month' });
    const small = await createClient(env.gw.ctx, 'budget-nickel');
    await updateClient(env.gw.ctx, small.id, { budget_usd: 0.05, budget_period: 'day' });
    await nav('Clients', 'clients');
    expect(await page.textContent(`#client-${big.id} .budget .small`)).toBe('$0 of $1,234.56 this month');
    expect(await page.textContent(`#client-${small.id} .budget .small`)).toBe('$0 of $0.05 today');

    await createTeam(env.gw.ctx, { name: 'thousand', budget_usd: 1000, budget_period: 'week' });
    await nav('Teams', 'teams');
    expect(await page.textContent('#teams-table tr:has(.team-name:text-is("thousand")) .budget .small')).toBe('$0 of $1,000.00 this week');
  });

  test('a key with a budget alone: its summary beside the bar says "no other limits", not "no limits"', async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'budget-only');
    await updateClient(env.gw.ctx, id, { budget_usd: 25.5, budget_period: 'month' });
    await nav('Clients', 'clients');
    expect(await page.textContent(`#client-${id} .limits-summary`)).toBe('no other limits');
  });

  test("a key's model list naming nothing: saved, and the names are listed; a known list says nothing", async () => {
    const { env, page } = s;
    const { id } = await createClient(env.gw.ctx, 'typo-models');
    await nav('Clients', 'clients');
    const row = `#client-${id}`;
    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=models]`, 'gpt4o, gpt-4o-mini, openai/gpt-5-preview, fast-flow, nonesuch-group');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector('#clients-section .model-names-warning');
    // The section came back whole: its forms are htmx's once the swap settles.
    await htmxSettled(page);
    const warning = await page.textContent('#clients-section .model-names-warning');
    expect(warning).toContain('gpt4o, nonesuch-group');
    // A model id, a group and provider/<id> (forwarded even when unlisted) are not in it.
    for (const fine of ['gpt-4o-mini', 'fast-flow', 'openai/gpt-5-preview']) expect(warning).not.toContain(fine);
    expect((await getClient(env.gw.ctx, id)).models).toEqual(['gpt4o', 'gpt-4o-mini', 'openai/gpt-5-preview', 'fast-flow', 'nonesuch-group']);
    await screenshot(page, 'admin-controls-model-names-warning');

    await page.click(`${row} .limits-summary`);
    await page.fill(`${row} input[name=models]`, 'gpt-4o-mini, openai/*');
    await page.click(`${row} button:text-is("Save limits")`);
    await page.waitForSelector(`${row} .limits-summary:text-is("models: gpt-4o-mini, openai/*")`);
    expect(await page.locator('#clients-section .model-names-warning').count()).toBe(0);
  });

  test("a team created with a model typo: created, and the typo is named", async () => {
    const { page } = s;
    await nav('Teams', 'teams');
    await page.fill('#team-name', 'typo-team');
    await page.fill('#team-new-models', 'gpt-4o-mni');
    await page.click('button:text-is("Create team")');
    await page.waitForSelector('#teams-section .model-names-warning');
    expect(await page.textContent('#teams-section .model-names-warning')).toContain('no model or group is named gpt-4o-mni');
    expect(await page.locator('#teams-table .team-name:text-is("typo-team")').count()).toBe(1);
  });

  test('the provider on/off form sent with another value: refused in the card, the provider untouched', async () => {
    const { env, page } = s;
    await nav('Providers', 'providers');
    const card = '#provider-openai';
    expect((await getProvider(env.gw.ctx, 'openai')).enabled).toBe(true);
    await page.$eval(`${card} input[name=enabled]`, (i) => ((i as HTMLInputElement).value = 'yes'));
    await page.click(`${card} button:text-is("Disable")`);
    await page.waitForSelector(`#provider-openai-errors .form-errors`);
    expect(await page.textContent('#provider-openai-errors .form-errors')).toBe("'enabled' must be true or false, not 'yes'.");
    expect((await getProvider(env.gw.ctx, 'openai')).enabled).toBe(true);
    expect(await page.textContent(`${card} .badges .badge`)).toBe('enabled');
    // The value the button sends still works.
    await page.reload();
    await page.click(`${card} button:text-is("Disable")`);
    await page.waitForSelector(`${card} button:text-is("Enable")`);
    await htmxSettled(page);
    expect((await getProvider(env.gw.ctx, 'openai')).enabled).toBe(false);
    await page.click(`${card} button:text-is("Enable")`);
    await page.waitForSelector(`${card} button:text-is("Disable")`);
    expect((await getProvider(env.gw.ctx, 'openai')).enabled).toBe(true);
  });

  test("a model's on/off sent with another value: refused in its row, the model untouched", async () => {
    const { env, page } = s;
    await nav('Models', 'models');
    const row = '#model-gpt-4o-mini';
    await page.$eval(`${row} button[hx-vals*=enabled]`, (b) => b.setAttribute('hx-vals', '{"enabled":"maybe"}'));
    await page.click(`${row} button[hx-vals*=enabled]`);
    await page.waitForSelector(`${row} .form-error, ${row} .row-error`);
    expect(await page.textContent(row)).toContain("'enabled' must be true or false, not 'maybe'.");
    expect(env.gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!.enabled).toBe(true);
  });

  test("an admin demoted while the page is open: the next action reloads the viewer's page, nothing changes", async () => {
    const { env, browser, page } = s;
    const ops = await createUser(env.gw.ctx.db, 'ops-two', 'ops-two-password-1', 'admin', false);
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    context.setDefaultTimeout(8_000);
    const other = await context.newPage();
    const otherWatch = watchPage(other);
    await other.goto(`${env.gw.url}/login`);
    await other.fill('.auth-card input[name=username]', 'ops-two');
    await other.fill('.auth-card input[name=password]', 'ops-two-password-1');
    await other.click('button:text-is("Sign in")');
    await other.waitForSelector('#main [data-page="usage"]');
    await navTo(other, 'Providers', 'providers');
    expect(await other.locator('#provider-openai .provider-actions').count()).toBe(1);

    await setRole(env.gw.ctx, ops.id, 'viewer');
    await other.evaluate(() => document.querySelector('#main [data-page]')?.setAttribute('data-stale', ''));
    await other.click('#provider-openai button:text-is("Disable")');
    // A fresh page (the marker is gone), the viewer's: the card without its controls.
    await other.waitForSelector('#main [data-page="providers"]:not([data-stale])');
    expect(await other.locator('#provider-openai .provider-actions').count()).toBe(0);
    expect(await other.locator('#provider-openai button').count()).toBe(0);
    expect((await getProvider(env.gw.ctx, 'openai')).enabled).toBe(true);
    // The 403 itself is the only console line: Chromium logs a failed request.
    expect(otherWatch.problems.filter((p) => !p.includes('403'))).toEqual([]);
    await context.close();
  });

  test('the Providers page shows a pool key cooling or set aside for one model', async () => {
    const { env, page } = s;
    const states = env.gw.ctx.keyPool.states;
    states.coolUntil('openai', scopedSlot(envSlot(env.gw), 'gpt-4o'), Date.now() + 60_000);
    states.setAside('openai', scopedSlot(envSlot(env.gw), 'gpt-4.1'), Date.now());
    await nav('Providers', 'providers');
    const key = '#provider-keys-openai [data-key-id="env"]';
    expect(await page.getAttribute(key, 'data-state')).toBe('active');
    const lines = await page.$$eval(`${key} [data-model-state]`, (els) => els.map((e) => [e.getAttribute('data-model-state'), e.textContent]));
    expect(lines).toContainEqual(['set_aside', 'gpt-4.1: set aside']);
    const cooling = lines.find(([s]) => s === 'cooling');
    expect(cooling?.[1]).toMatch(/^gpt-4o: cooling until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await screenshot(page, 'admin-controls-model-key-states');
  });

  test('the fast-mode and US-only multipliers: shown, saved, read strictly, cleared', async () => {
    const { env, page } = s;
    await nav('Models', 'models');
    const row = '#model-gpt-4o-mini';
    const stored = () => env.gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!;
    // Its button names every multiplier it edits, for a screen reader.
    expect(await page.getAttribute(`${row} .audio-tiers-editor .link-button`, 'aria-label')).toContain('fast-mode and US-only');
    await page.click(`${row} .audio-tiers-editor .link-button`);
    await page.fill(`${row} input[name=fast_price_multiplier]`, '6');
    await page.fill(`${row} input[name=us_inference_price_multiplier]`, '1.1');
    await page.click(`${row} button:text-is("Save audio and tiers")`);
    await page.waitForSelector(`${row} .saved`);
    await htmxSettled(page);
    expect(await page.textContent(`${row} .audio-tiers-editor .audio-tiers`)).toContain('fast ×6, US-only ×1.1');
    expect(stored()).toMatchObject({ fastPriceMultiplier: 6, usInferencePriceMultiplier: 1.1 });

    // A number input takes '1e1': the form refuses it, names the field, keeps it, saves nothing.
    await page.click(`${row} .audio-tiers-editor .link-button`);
    await page.fill(`${row} input[name=fast_price_multiplier]`, '1e1');
    await page.click(`${row} button:text-is("Save audio and tiers")`);
    await page.waitForSelector(`${row} .audio-tiers-form .form-errors`);
    expect(await page.textContent(`${row} .audio-tiers-form .form-errors`)).toContain("fast price multiplier: '1e1' is not a number");
    expect(await page.inputValue(`${row} input[name=fast_price_multiplier]`)).toBe('1e1');
    expect(stored().fastPriceMultiplier).toBe(6);

    await page.fill(`${row} input[name=fast_price_multiplier]`, '');
    await page.fill(`${row} input[name=us_inference_price_multiplier]`, '');
    await page.click(`${row} button:text-is("Save audio and tiers")`);
    // The first save's `.saved` mark may still be on the page: wait for the form's errors to go (the save's answer replaced the row).
    await page.waitForSelector(`${row} .audio-tiers-form .form-errors`, { state: 'detached' });
    await page.waitForSelector(`${row} .saved`);
    expect(stored()).toMatchObject({ fastPriceMultiplier: null, usInferencePriceMultiplier: null });
    expect(await page.textContent(`${row} .audio-tiers-editor .audio-tiers`)).not.toContain('fast');
  });

  test('no console errors, no dialogs but confirms', () => {
    const { watch } = s;
    expect(watch.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    expect(watch.dialogs.filter((d) => !d.startsWith('confirm'))).toEqual([]);
  });
});
