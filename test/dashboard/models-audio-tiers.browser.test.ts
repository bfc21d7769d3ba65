/**
 * Audio-token prices and the flex/priority multipliers edited on the Models page, in real headless
 * Chromium, as the long-context tier is: opened from the note under the model's id, saved, kept
 * after a reload, applied to the next request's cost (a fake OpenAI answering service_tier
 * "priority" with audio prompt tokens), refused inline with what was typed kept, cleared, and
 * shown read-only to a viewer.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { models } from '../../src/db/schema';
import { createUser } from '../../src/admin/users-service';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { chromiumAvailable, screenshot, watchPage } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, markStale, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const ROW = '#model-gpt-4o-mini';
const NOTE = `${ROW} .audio-tiers-editor .audio-tiers`;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('audio prices and tier multipliers on the Models page', () => {
  const s = useDashboardSuite('audio-tiers-password-1');
  const stored = () => s.env.gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!;

  beforeAll(async () => {
    const { page } = s;
    await navTo(page, 'Models', 'models');
  });

  test('the seeded multipliers are shown under the id, rounded for reading', async () => {
    const { page } = s;
    // Seeded from OpenAI's prices: flex half, priority 5/3 for gpt-4o-mini; no audio prices.
    expect(stored()).toMatchObject({ flexPriceMultiplier: 0.5, audioInputPrice: null, audioOutputPrice: null });
    expect(await page.textContent(NOTE)).toBe('flex ×0.5, priority ×1.6667');
  });

  test('set from the note: shown, kept after a reload, and billed', async () => {
    const { env, page } = s;
    await page.click(`${ROW} .audio-tiers-editor .link-button`);
    // The editor holds the exact stored value, not the rounded one.
    expect(Number(await page.inputValue(`${ROW} input[name=priority_price_multiplier]`))).toBe(stored().priorityPriceMultiplier!);
    await page.fill(`${ROW} input[name=audio_input_price]`, '40');
    await page.fill(`${ROW} input[name=audio_output_price]`, '80');
    await page.fill(`${ROW} input[name=priority_price_multiplier]`, '3');
    await page.click(`${ROW} button:text-is("Save audio and tiers")`);
    await page.waitForSelector(`${ROW} .saved`);
    expect(await page.textContent(NOTE)).toBe('audio in 40, audio out 80, flex ×0.5, priority ×3');
    expect(stored()).toMatchObject({ audioInputPrice: 40, audioOutputPrice: 80, flexPriceMultiplier: 0.5, priorityPriceMultiplier: 3 });
    // Neither the row's prices nor the long-context tier were sent along.
    expect(stored()).toMatchObject({ inputPrice: 0.15, outputPrice: 0.6, longContextThreshold: null });
    await page.reload();
    expect(await page.textContent(NOTE)).toBe('audio in 40, audio out 80, flex ×0.5, priority ×3');
    await screenshot(page, 'models-audio-tiers');

    // OpenAI says it served the request at priority; 10 of the 19 prompt tokens were audio.
    const chat = fixtureJson('openai', 'chat.json');
    env.upstream.handler = () => jsonResponse({
      ...chat, service_tier: 'priority',
      usage: { ...chat.usage, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 10 } },
    });
    const { data, response } = await new OpenAI({ apiKey: env.gw.clientKey, baseURL: `${env.gw.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], service_tier: 'priority' }).withResponse();
    expect(data.service_tier).toBe('priority');
    const requestId = response.headers.get('x-request-id')!;
    let row: { cost_usd: number } | undefined;
    for (let i = 0; i < 200 && !row; i++) {
      const logs = (await (await page.request.get(`${env.gw.url}/api/logs?limit=100`)).json()) as { data: { request_id: string; cost_usd: number }[] };
      row = logs.data.find((r) => r.request_id === requestId);
      if (!row) await Bun.sleep(25);
    }
    // (9 text prompt tokens * 0.15 + 10 audio * 40 + 9 output * 0.6) times the priority multiplier 3.
    expect(row!.cost_usd).toBeCloseTo(((9 * 0.15 + 10 * 40 + 9 * 0.6) * 3) / 1e6, 12);
  });

  test('refused: the message is in the editor, which keeps what was typed', async () => {
    const { page } = s;
    await page.click(`${ROW} .audio-tiers-editor .link-button`);
    // Past what the browser's own checks allow, as a hand-edited form could send.
    await page.$eval(`${ROW} input[name=flex_price_multiplier]`, (el) => el.removeAttribute('max'));
    await page.fill(`${ROW} input[name=flex_price_multiplier]`, '500');
    await page.fill(`${ROW} input[name=audio_output_price]`, '90');
    await page.click(`${ROW} button:text-is("Save audio and tiers")`);
    await page.waitForSelector(`${ROW} .audio-tiers-form .form-errors`);
    expect(await page.textContent(`${ROW} .audio-tiers-form .form-errors`)).toContain('flex price multiplier must be a number from 0 to 100');
    expect(await page.inputValue(`${ROW} input[name=flex_price_multiplier]`)).toBe('500');
    expect(await page.inputValue(`${ROW} input[name=audio_output_price]`)).toBe('90');
    expect(stored()).toMatchObject({ flexPriceMultiplier: 0.5, audioOutputPrice: 80 });
  });

  test('blank fields clear them: text prices and the standard tier again', async () => {
    const { page } = s;
    for (const name of ['audio_input_price', 'audio_output_price', 'flex_price_multiplier', 'priority_price_multiplier'])
      await page.fill(`${ROW} input[name=${name}]`, '');
    await markStale(page, ROW);
    await page.click(`${ROW} button:text-is("Save audio and tiers")`);
    await page.waitForSelector(`${ROW}:not([data-stale]) .saved`);
    // The row came back whole: the next test saves with its new form, once htmx wired it.
    await htmxSettled(page);
    expect(await page.textContent(NOTE)).toBe('no audio/tier prices');
    expect(stored()).toMatchObject({ audioInputPrice: null, audioOutputPrice: null, flexPriceMultiplier: null, priorityPriceMultiplier: null });
  });

  test('a viewer reads them under the id, with no editor', async () => {
    const { env, browser, page } = s;
    await page.click(`${ROW} .audio-tiers-editor .link-button`);
    await page.fill(`${ROW} input[name=audio_input_price]`, '32');
    await page.fill(`${ROW} input[name=flex_price_multiplier]`, '0.5');
    // The previous save's "saved" is still in the row: wait for the one in the row this save sends back.
    await markStale(page, ROW);
    await page.click(`${ROW} button:text-is("Save audio and tiers")`);
    await page.waitForSelector(`${ROW}:not([data-stale]) .saved`);

    await createUser(env.gw.ctx.db, 'audio-viewer', 'viewer-password-12', 'viewer');
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    context.setDefaultTimeout(8_000);
    const viewer = await context.newPage();
    const viewerWatch = watchPage(viewer);
    await viewer.goto(`${env.gw.url}/login`);
    await viewer.fill('.auth-card input[name=username]', 'audio-viewer');
    await viewer.fill('.auth-card input[name=password]', 'viewer-password-12');
    await viewer.click('button:text-is("Sign in")');
    await viewer.waitForSelector('#main [data-page="usage"]');
    await viewer.click('.nav a:text-is("Models")');
    await viewer.waitForSelector(ROW);
    expect(await viewer.textContent(`${ROW} .audio-tiers`)).toBe('audio in 32, flex ×0.5');
    expect(await viewer.locator(`${ROW} .audio-tiers-editor, ${ROW} input`).count()).toBe(0);
    // A model with none shows nothing extra to a viewer.
    await viewer.waitForSelector('#model-deepseek-chat');
    expect(await viewer.locator('#model-deepseek-chat .audio-tiers').count()).toBe(0);
    expect(viewerWatch.problems).toEqual([]);
    await context.close();
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b422\b/.test(p))).toEqual([]);
  });
});
