/**
 * A form's success notice does not outlive the next attempt, in real headless Chromium: after a
 * user, a model or a provider setting was saved, a failed save from the same form shows its error
 * alone (it showed "Created vera (viewer)." under "The username 'Vera' is taken.").
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

/** The notices and errors shown in one box of the page. */
function messages(page: Page, box: string) {
  return page.locator(`${box} [role=status], ${box} .form-errors`).allInnerTexts();
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('success notices after a failed save in Chromium', () => {
  const s = useDashboardSuite('stale-notices-password-1');

  test('Users: a refused create shows its error without the last create\'s notice', async () => {
    const { page } = s;
    await navTo(page, 'Users', 'users');
    const form = page.locator('form[hx-post="/users"]');
    await form.locator('[name=username]').fill('vera');
    await form.locator('[name=password]').fill('vera-password-123');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#users-table :text("vera")');
    // The section came back whole: the second create uses its new form, once htmx wired it.
    await htmxSettled(page);
    expect(await messages(page, '#users-section')).toEqual(['Created vera (viewer).']);
    await form.locator('[name=username]').fill('Vera');
    await form.locator('[name=password]').fill('vera-password-123');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#users-section .form-errors');
    expect(await messages(page, '#users-section')).toEqual(["The username 'Vera' is taken."]);
  });

  test('Models: a refused add shows its error without "added …"', async () => {
    const { page } = s;
    await navTo(page, 'Models', 'models');
    const form = page.locator('form[hx-post="/models"]:has([name=id])');
    await form.locator('[name=id]').fill('notice-model');
    await form.locator('[name=provider]').selectOption('openai');
    await form.locator('[name=input_price]').fill('1');
    await form.locator('[name=output_price]').fill('2');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('form[hx-post="/models"] [role=status]');
    await htmxSettled(page);
    expect(await messages(page, 'form[hx-post="/models"]:has([name=id])')).toEqual(['added notice-model']);
    await form.locator('[name=id]').fill('notice-model');
    await form.locator('[name=provider]').selectOption('openai');
    await form.locator('[name=input_price]').fill('1');
    await form.locator('[name=output_price]').fill('2');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('form[hx-post="/models"] .form-errors');
    const shown = await messages(page, 'form[hx-post="/models"]:has([name=id])');
    expect(shown.length).toBe(1);
    expect(shown[0]).toContain("A model 'notice-model' exists");
  });

  test('Providers: a refused base URL shows its error without "Saved."', async () => {
    const { page, env } = s;
    await navTo(page, 'Providers', 'providers');
    const card = '#provider-openai';
    const baseUrl = () => page.locator(`${card} form:has([name=base_url])`);
    await baseUrl().locator('[name=base_url]').fill(`${env.upstream.url}/v1`);
    await baseUrl().locator('button[type=submit]').click();
    await page.waitForSelector(`${card} [role=status]`);
    await htmxSettled(page);
    expect(await messages(page, card)).toEqual(['Saved.']);
    await baseUrl().locator('[name=base_url]').fill('ftp://example.test');
    await baseUrl().locator('button[type=submit]').click();
    await page.waitForSelector(`${card} .form-errors`);
    expect(await messages(page, card)).toEqual(['Base URL must use http or https.']);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.dialogs).toEqual([]);
    // The refusals are 422s, which Chromium reports on the console as failed loads; nothing else.
    expect(s.watch.problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
