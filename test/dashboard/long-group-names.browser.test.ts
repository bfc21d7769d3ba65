/**
 * A model group with the longest name the gateway takes (100 characters, one word) and a long
 * primary use, made from the Model groups page in real headless Chromium: the New group form takes
 * every character (its maxlength was 64, so the browser cut a pasted name short without a word), and
 * the group's card wraps both rather than pushing the page sideways, on a laptop or a phone.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createGroup } from '../../src/admin/groups-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';
import { sidewaysOverflow } from '../browser-helpers/page-audit';

setDefaultTimeout(60_000);

const NAME = `g${'r'.repeat(96)}end`;
const PRIMARY_USE = `${'P'.repeat(197)}end`;
/** Made before the page opens, so the width checks do not hang on the form's test. */
const SEEDED = `h${'s'.repeat(96)}end`;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a 100-character group name in Chromium', () => {
  const s = useDashboardSuite('long-group-names-password-1', async (env) => {
    await createGroup(env.gw.ctx, SEEDED, { strategy: 'heuristic', targets: ['gpt-4o-mini'], primary_use: PRIMARY_USE });
  });

  test('the New group form creates the group under its whole name', async () => {
    const { page } = s;
    await navTo(page, 'Model groups', 'groups');
    await page.click('#group_new-box summary');
    const form = page.locator('#group_new');
    await form.locator('input[name=name]').fill(NAME);
    await form.locator('input[name=primary_use]').fill(PRIMARY_USE);
    await form.locator('textarea[name=targets]').fill('gpt-4o-mini\ngpt-4o');
    await form.locator('button:text-is("Create group")').click();
    await page.waitForSelector('#group_new-box .saved');
    await htmxSettled(page);
    expect(await page.locator('#group_new-box .saved strong').innerText()).toBe(NAME);
    expect(await page.locator('#group-list h2.card-title', { hasText: NAME }).count()).toBe(1);
  });

  for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    test(`at ${size.width} px the page does not scroll sideways`, async () => {
      const { page, env } = s;
      await page.setViewportSize(size);
      await page.goto(`${env.gw.url}/groups`);
      await page.waitForSelector(`#group-list h2.card-title:text-is("${SEEDED}")`);
      const o = await sidewaysOverflow(page);
      expect(o).toEqual({ px: 0, past: [] });
    });
  }

  test('the page raised no console errors and no request failed', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
