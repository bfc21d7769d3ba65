/**
 * A key's "Expires (UTC)" field in real headless Chromium: a time typed without a zone was refused
 * ("must be an ISO 8601 timestamp with a zone"), even the limits summary's own way of printing it,
 * "2030-01-01 00:00:00 UTC". The field's label says the zone: such a time is saved as UTC.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

/** Creates a key named `name`, types `expires` into its limits editor, saves; the row's summary after. */
async function saveExpiry(page: Page, name: string, expires: string): Promise<string> {
  await navTo(page, 'Clients', 'clients');
  await page.fill('#client-name', name);
  await page.click('button:text-is("Create key")');
  await page.waitForSelector('#new-key-value');
  // The section came back whole: its limits form is htmx's once the swap settles.
  await htmxSettled(page);
  // A key's <tbody>: its row, and its limits editor's row under it.
  const row = page.locator('#clients-table tbody', { has: page.locator(`.client-name:text-is("${name}")`) });
  await row.locator('.link-button').click();
  await row.locator('input[name=expires_at]').fill(expires);
  await row.locator('button:text-is("Save limits")').click();
  // Saved: the section is swapped and the editor closed; refused: the editor stays open with the error.
  await page.waitForFunction((n) => {
    const r = [...document.querySelectorAll('#clients-table tbody')].find((tr) => tr.querySelector('.client-name')?.textContent === n);
    return r && (r.querySelector('.form-errors') || r.querySelector('.limits-summary')?.textContent?.includes('expires'));
  }, name);
  return row.locator('.limits-summary').innerText();
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a key\'s expiry typed without a zone in Chromium', () => {
  const s = useDashboardSuite('expiry-utc-password-1');

  test('the summary\'s own form, "2030-01-01 00:00:00 UTC", is saved as that time', async () => {
    expect(await saveExpiry(s.page, 'expires-as-printed', '2030-01-01 00:00:00 UTC')).toContain('expires 2030-01-01 00:00:00 UTC');
  });

  test('the field gives a saved time back as it was typed, not as the API writes it', async () => {
    const { page } = s;
    expect(await saveExpiry(page, 'expires-field-back', '2027-01-01T00:00')).toContain('expires 2027-01-01 00:00:00 UTC');
    const row = page.locator('#clients-table tbody', { has: page.locator('.client-name:text-is("expires-field-back")') });
    await row.locator('.link-button').click();
    // Not 2027-01-01T00:00:00.000Z; seconds only when the time has them.
    expect(await row.locator('input[name=expires_at]').inputValue()).toBe('2027-01-01T00:00');
    expect(await saveExpiry(page, 'expires-seconds-back', '2027-03-04T05:06:07Z')).toContain('expires 2027-03-04 05:06:07 UTC');
    const other = page.locator('#clients-table tbody', { has: page.locator('.client-name:text-is("expires-seconds-back")') });
    await other.locator('.link-button').click();
    expect(await other.locator('input[name=expires_at]').inputValue()).toBe('2027-03-04T05:06:07');
  });

  test('"2030-06-30T12:00" (no zone) is saved as 12:00 UTC', async () => {
    expect(await saveExpiry(s.page, 'expires-no-zone', '2030-06-30T12:00')).toContain('expires 2030-06-30 12:00:00 UTC');
  });
});
