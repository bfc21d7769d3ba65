/**
 * Amounts typed with a decimal comma, in real headless Chromium: "12,50" in a number field was
 * 1250 (Chromium takes the comma on this English page for a thousands separator), so a team was
 * saved with a $1,250.00 budget, or a model with 100 times its price, and no word said. Budgets and
 * prices are text fields now: the server reads what was typed and refuses it by the field's name,
 * the form keeping it.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { listTeams } from '../../src/admin/teams-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('amounts typed with a decimal comma in Chromium', () => {
  const s = useDashboardSuite('budget-comma-password-1');

  test('"12,50" is refused by name, not saved as $1,250', async () => {
    const { page, env } = s;
    await navTo(page, 'Teams', 'teams');
    await page.fill('#team-name', 'comma-team');
    // Typed key by key, as a person does (fill() would refuse the comma in a number field).
    await page.focus('#team-create input[name=budget_usd]');
    await page.keyboard.type('12,50');
    await page.click('#team-create button[type=submit]');
    await page.waitForSelector('#team-create .form-errors, #teams-section tr:has-text("comma-team")');
    expect({
      saved: (await listTeams(env.gw.ctx)).map((t) => t.budget_usd),
      error: await page.locator('#team-create .form-errors').innerText().catch(() => ''),
      kept: await page.inputValue('#team-create input[name=budget_usd]'),
    }).toEqual({ saved: [], error: expect.stringContaining("Budget (USD): '12,50' is not a number"), kept: '12,50' });
  });

  test('a model price of "2,50" is refused on its input, not saved as $250', async () => {
    const { page, env } = s;
    await navTo(page, 'Models', 'models');
    const row = '#model-gpt-4o-mini';
    await page.fill(`${row} input[name=output_price]`, '');
    await page.focus(`${row} input[name=output_price]`);
    await page.keyboard.type('2,50');
    await page.click(`${row} button:text-is("Save")`);
    await page.waitForSelector(`${row} .field-error, ${row} .saved`);
    expect({
      saved: env.gw.ctx.state.getSnapshot().models.get('gpt-4o-mini')?.prices.output,
      error: await page.locator(`${row} .field-error`).innerText().catch(() => ''),
    }).toEqual({ saved: 0.6, error: expect.stringContaining("'2,50' is not a number") });
  });
});
