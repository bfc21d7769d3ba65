/**
 * Rows of names that differ only in a character an element id cannot hold as is, in real
 * headless Chromium: `gemini-2.5-flash` and `gemini-2_5-flash` (and groups `fast.flow`, `fast_flow`,
 * `new`) each keep their own row, so a save sends that row's inputs and lands in that row.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createGroup, getGroup } from '../../src/admin/groups-service';
import { createModel, getModel } from '../../src/admin/models-service';
import { domIdPart } from '../../src/dashboard/dom-id';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('row ids in Chromium', () => {
  const s = useDashboardSuite('row-ids-password-1', async (env) => {
    await createModel(env.gw.ctx, { id: 'gemini-2_5-flash', provider: 'gemini', input_price: 7, output_price: 9 });
    for (const name of ['fast.flow', 'fast_flow', 'new']) await createGroup(env.gw.ctx, name, { strategy: 'heuristic', targets: ['gpt-4o-mini'] });
  });

  test('one id per name, and no name takes the id of a form', () => {
    const names = ['gemini-2.5-flash', 'gemini-2_5-flash', 'gemini-2:5-flash', 'a/b', 'a_002fb', 'é', '😀'];
    const ids = names.map(domIdPart);
    expect(new Set(ids).size).toBe(names.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test("saving the model whose id differs by '_' saves its own prices, in its own row", async () => {
    const { env, page } = s;
    await page.goto(`${env.gw.url}/models?provider=gemini`);
    const row = page.locator('tr', { has: page.locator('code:text-is("gemini-2_5-flash")') });
    await row.locator('input[name=input_price]').fill('8');
    await row.locator('button:text-is("Save")').click();
    await row.locator('.saved').waitFor();
    expect((await getModel(env.gw.ctx, 'gemini-2_5-flash')).input_price).toBe(8);
    expect((await getModel(env.gw.ctx, 'gemini-2_5-flash')).output_price).toBe(9);
    expect((await getModel(env.gw.ctx, 'gemini-2.5-flash')).input_price).toBe(0.3);
    // Both rows still on the page, once each.
    const ids = await page.locator('#models-table tbody tr code').allTextContents();
    expect([ids.filter((i) => i === 'gemini-2.5-flash').length, ids.filter((i) => i === 'gemini-2_5-flash').length]).toEqual([1, 1]);
    expect(await page.locator('[id]').evaluateAll((els) => els.length - new Set(els.map((e) => e.id)).size)).toBe(0);
  });

  test("a group's Save changes that group only; a group named 'new' leaves the New group form alone", async () => {
    const { env, page } = s;
    await page.goto(`${env.gw.url}/groups`);
    expect(await page.locator('[id]').evaluateAll((els) => els.length - new Set(els.map((e) => e.id)).size)).toBe(0);
    const card = `#group-${domIdPart('fast_flow')}`;
    await page.click(`${card} summary`);
    await page.fill(`${card} textarea[name=targets]`, 'gpt-4o');
    await page.click(`${card} button:text-is("Save changes")`);
    await page.waitForSelector(`${card} .saved`);
    // What the save swapped back is htmx's once the swap settles; the next card's Save goes through htmx.
    await htmxSettled(page);
    expect((await getGroup(env.gw.ctx, 'fast_flow')).targets).toEqual(['gpt-4o']);
    expect((await getGroup(env.gw.ctx, 'fast.flow')).targets).toEqual(['gpt-4o-mini']);
    expect((await page.locator('#main .group h2').allTextContents()).filter((n) => n === 'fast.flow' || n === 'fast_flow').sort()).toEqual(['fast.flow', 'fast_flow']);

    await page.click('#group-new summary');
    await page.fill('#group-new textarea[name=targets]', 'gpt-4o');
    await page.click('#group-new button:text-is("Save changes")');
    await page.waitForSelector('#group-new .saved');
    expect((await getGroup(env.gw.ctx, 'new')).targets).toEqual(['gpt-4o']);
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.problems).toEqual([]);
    expect(watch.dialogs).toEqual([]);
  });
});
