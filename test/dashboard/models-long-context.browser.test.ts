/**
 * The long-context price tier edited on the Models page, in real headless Chromium: opened from
 * the note under the model's id, saved, shown, kept after a reload, applied to the next request's
 * cost, refused inline (with what was typed kept), and removed with a blank threshold.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { models } from '../../src/db/schema';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { markStale, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const ROW = '#model-gpt-4o-mini';

describe.skipIf(!chromiumAvailable() && !process.env.CI)('long-context tier on the Models page', () => {
  const s = useDashboardSuite('long-context-password-1');
  const stored = () => s.env.gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4o-mini')).get()!;

  beforeAll(async () => {
    const { page } = s;
    await navTo(page, 'Models', 'models');
  });

  test('set from the note under the id: shown, kept after a reload, and billed', async () => {
    const { env, page } = s;
    expect(stored().longContextThreshold).toBeNull();
    await page.click(`${ROW} button:has-text("no long-context tier")`);
    await page.fill(`${ROW} input[name=long_context_threshold]`, '10');
    await page.fill(`${ROW} input[name=long_context_input_price]`, '9');
    await page.fill(`${ROW} input[name=long_context_output_price]`, '20');
    await page.click(`${ROW} button:text-is("Save tier")`);
    await page.waitForSelector(`${ROW} .saved`);
    expect(await page.textContent(`${ROW} .long-context`)).toBe('from 10 prompt tokens: in 9, out 20');
    expect(stored()).toMatchObject({ longContextThreshold: 10, longContextInputPrice: 9, longContextOutputPrice: 20, longContextCachedInputPrice: null });
    // The row's own price inputs were not sent along.
    expect(stored().inputPrice).toBe(0.15);
    await page.reload();
    expect(await page.textContent(`${ROW} .long-context`)).toBe('from 10 prompt tokens: in 9, out 20');
    await screenshot(page, 'models-long-context');

    // The fake upstream reports 19 prompt and 9 completion tokens: past the threshold of 10.
    const { response } = await new OpenAI({ apiKey: env.gw.clientKey, baseURL: `${env.gw.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const requestId = response.headers.get('x-request-id')!;
    let row: { cost_usd: number } | undefined;
    for (let i = 0; i < 200 && !row; i++) {
      const logs = (await (await page.request.get(`${env.gw.url}/api/logs?limit=100`)).json()) as { data: { request_id: string; cost_usd: number }[] };
      row = logs.data.find((r) => r.request_id === requestId);
      if (!row) await Bun.sleep(25);
    }
    expect(row!.cost_usd).toBeCloseTo((19 * 9 + 9 * 20) / 1e6, 12);
  });

  test('refused: the message is in the tier editor, which keeps what was typed', async () => {
    const { page } = s;
    await page.click(`${ROW} .long-context-editor .link-button`);
    // Past what the browser's own checks allow, as a hand-edited form could send.
    await page.$eval(`${ROW} input[name=long_context_threshold]`, (el) => el.removeAttribute('max'));
    await page.fill(`${ROW} input[name=long_context_threshold]`, '200000000');
    await page.fill(`${ROW} input[name=long_context_reasoning_price]`, '30');
    await page.click(`${ROW} button:text-is("Save tier")`);
    await page.waitForSelector(`${ROW} .tier-form .form-errors`);
    expect(await page.textContent(`${ROW} .tier-form .form-errors`)).toContain('threshold');
    expect(await page.inputValue(`${ROW} input[name=long_context_reasoning_price]`)).toBe('30');
    expect(stored().longContextThreshold).toBe(10);
  });

  test('a blank threshold removes the whole tier', async () => {
    const { page } = s;
    await page.fill(`${ROW} input[name=long_context_threshold]`, '');
    await markStale(page, ROW);
    await page.click(`${ROW} button:text-is("Save tier")`);
    await page.waitForSelector(`${ROW}:not([data-stale]) .saved`);
    expect(await page.textContent(`${ROW} .long-context`)).toBe('no long-context tier');
    expect(stored()).toMatchObject({ longContextThreshold: null, longContextInputPrice: null, longContextOutputPrice: null, longContextReasoningPrice: null });
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b422\b/.test(p))).toEqual([]);
  });
});
