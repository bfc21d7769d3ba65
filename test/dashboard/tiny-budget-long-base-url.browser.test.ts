/**
 * Values an operator types that the page showed wrong, in real headless Chromium: a budget below
 * a millionth of a dollar read "$0.00" beside its bar (it is the budget typed, every digit), and a
 * base URL thousands of characters long, saved from a provider's card, made that card a page long
 * (its Base URL shows at most three lines; the whole URL is its title and the Save URL field's value).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createClient } from '../../src/admin/clients-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, markStale, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const LONG_URL = `https://gateway.example.com/v1/${'a'.repeat(3000)}`;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a tiny budget and a long base URL in Chromium', () => {
  let clientId = 0;
  const s = useDashboardSuite('tiny-budget-password-1', async (env) => {
    clientId = (await createClient(env.gw.ctx, 'penny-budget')).id;
  });

  test('a budget of $0.0000001 reads "$0.0000001" on the Clients page, not "$0.00"', async () => {
    const { page } = s;
    await navTo(page, 'Clients', 'clients');
    const row = page.locator(`#client-${clientId}`);
    await row.locator('button[data-opens=limits]').click();
    await row.locator('input[name=budget_usd]').fill('0.0000001');
    await markStale(page, `#client-${clientId}`);
    await row.locator('button:text-is("Save limits")').click();
    await page.waitForSelector(`#client-${clientId}:not([data-stale]) .budget`);
    await htmxSettled(page);
    expect(await page.locator(`#client-${clientId} .budget .small`).innerText()).toBe('$0 of $0.0000001 this month');
  });

  test('a 3,000-character base URL keeps its provider card short, whole in its title', async () => {
    const { page } = s;
    await navTo(page, 'Providers', 'providers');
    const field = page.locator('#main input[name=base_url]').first();
    await field.fill(LONG_URL);
    await markStale(page, '#main [data-page]');
    await field.locator('xpath=ancestor::form').locator('button:text-is("Save URL")').click();
    await page.waitForSelector('#main code.base-url[title^="https://gateway.example.com/"]');
    await htmxSettled(page);
    const url = page.locator('#main code.base-url').first();
    expect(await url.getAttribute('title')).toBe(LONG_URL);
    const box = await url.evaluate((el) => ({ height: el.getBoundingClientRect().height, line: parseFloat(getComputedStyle(el).lineHeight) || 20 }));
    expect(box.height).toBeLessThanOrEqual(box.line * 3 + 1);
    expect(await page.locator('#main input[name=base_url]').first().inputValue()).toBe(LONG_URL);
  });

  test('the page raised no console errors and no request failed', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
