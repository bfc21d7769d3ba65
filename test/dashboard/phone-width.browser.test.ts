/**
 * On a 390px phone, in real headless Chromium: the fields that matter keep a usable width. A
 * pool's Add key form squeezed the key itself to 50px beside a 200px label (the key's `flex: 1`
 * had a zero basis), and the Monitoring table broke a refused request's message a word a line in
 * a column a few characters wide. The Clients page had a blank band under its title.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { createClient } from '../../src/admin/clients-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('phone width in Chromium', () => {
  const s = useDashboardSuite('phone-width-admin-1', async (env) => {
    const key = await createClient(env.gw.ctx, 'phone-key', { models: ['gpt-4o-mini'] });
    // Refused: the model is not on the key's list; the row carries the message.
    await new OpenAI({ apiKey: key.key, baseURL: `${env.gw.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }).catch(() => {});
  });

  test("a pool's Add key form: the key field is the widest, not squeezed beside the label", async () => {
    const { page } = s;
    await page.setViewportSize({ width: 390, height: 844 });
    await navTo(page, 'Providers', 'providers');
    const card = page.locator('#provider-openai');
    await card.locator('button:text-is("Add key")').click();
    // The form opens after the click's handler ran: measured once it is shown.
    await card.locator('input[name=key]').waitFor({ state: 'visible' });
    const key = (await card.locator('input[name=key]').boundingBox())!;
    const label = (await card.locator('input[name=label]').boundingBox())!;
    expect(key.width).toBeGreaterThanOrEqual(label.width);
    expect(key.width).toBeGreaterThan(150);
  });

  test("Monitoring: a refused request's message reads in lines of words, not a word a line", async () => {
    const { page } = s;
    await page.setViewportSize({ width: 390, height: 844 });
    await navTo(page, 'Monitoring', 'monitor');
    const error = page.locator('#monitor-table .monitor-error').first();
    await error.waitFor();
    expect(await error.innerText()).toContain("The model 'gpt-4o' is not allowed");
    expect((await error.boundingBox())!.width).toBeGreaterThan(150);
  });

  test("Clients: the first card sits one gap under the title, not under a blank band (an empty actions row and the new key's slot)", async () => {
    const { page } = s;
    await page.setViewportSize({ width: 390, height: 844 });
    await navTo(page, 'Clients', 'clients');
    const header = (await page.locator('#main .page-header > div').first().boundingBox())!;
    const firstCard = (await page.locator('#main .page .card').first().boundingBox())!;
    const gap = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('#main .page')!).rowGap));
    expect(Math.round(firstCard.y - (header.y + header.height))).toBe(Math.round(gap));
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
