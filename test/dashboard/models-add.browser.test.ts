/**
 * The Models page's "Add model" form, in real headless Chromium: a model the table lacks is added
 * with its prices and served (and billed) at once; blank prices come from genai-prices; a refusal
 * shows in the form with what was typed kept; a row of unknown cost reads "unknown" on the Logs page.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { modelGroups, models } from '../../src/db/schema';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const FORM = '#model_create';

describe.skipIf(!chromiumAvailable() && !process.env.CI)('adding a model on the Models page', () => {
  const s = useDashboardSuite('models-add-password-1');
  const stored = (id: string) => s.env.gw.ctx.db.select().from(models).where(eq(models.id, id)).get();
  const client = () => new OpenAI({ apiKey: s.env.gw.clientKey, baseURL: `${s.env.gw.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    const { page } = s;
    await navTo(page, 'Models', 'models');
  });

  test('an id nobody prices, without prices: refused in the form, what was typed kept', async () => {
    const { page } = s;
    await page.fill(`${FORM} input[name=id]`, 'acme-chat-1');
    await page.selectOption(`${FORM} select[name=provider]`, 'openai');
    await page.fill(`${FORM} input[name=input_price]`, '3');
    await page.click(`${FORM} button:text-is("Add model")`);
    await page.waitForSelector(`${FORM} .form-errors`);
    // In the form's labels, not the API's field names (which /api still says).
    const shown = await page.textContent(`${FORM} .form-errors`);
    expect(shown).toContain('give Input $/1M and Output $/1M (USD per 1M tokens)');
    expect(shown).not.toContain('_price');
    expect(await page.textContent(`${FORM} label:has(input[name=input_price])`)).toContain('Input $/1M');
    expect(await page.textContent(`${FORM} label:has(input[name=output_price])`)).toContain('Output $/1M');
    expect(await page.inputValue(`${FORM} input[name=id]`)).toBe('acme-chat-1');
    expect(await page.inputValue(`${FORM} input[name=input_price]`)).toBe('3');
    expect(stored('acme-chat-1')).toBeUndefined();
  });

  test('with its prices: added, listed, served at once and billed at them', async () => {
    const { env, page } = s;
    await page.fill(`${FORM} input[name=output_price]`, '12');
    await page.fill(`${FORM} input[name=context_window]`, '200000');
    await page.click(`${FORM} button:text-is("Add model")`);
    await page.waitForSelector('#model-acme-chat-1');
    // The section came back whole: the next test adds with its new form, once htmx wired it.
    await htmxSettled(page);
    expect(await page.textContent(`${FORM} .saved`)).toBe('added acme-chat-1');
    // The form is empty again, ready for the next one.
    expect(await page.inputValue(`${FORM} input[name=id]`)).toBe('');
    expect(await page.inputValue('#model-acme-chat-1 input[name=input_price]')).toBe('3');
    expect(await page.inputValue('#model-acme-chat-1 input[name=output_price]')).toBe('12');
    expect(stored('acme-chat-1')).toMatchObject({ provider: 'openai', upstreamId: 'acme-chat-1', inputPrice: 3, outputPrice: 12, contextWindow: 200_000 });
    await screenshot(page, 'models-add');

    const { response } = await client().chat.completions.create({ model: 'acme-chat-1', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(env.upstream.last().body.model).toBe('acme-chat-1');
    const row = await logRow(response.headers.get('x-request-id')!);
    expect(row.cost_usd).toBeCloseTo((19 * 3 + 9 * 12) / 1e6, 12);
  });

  test('blank prices are filled from genai-prices for a model it lists', async () => {
    const { page } = s;
    await page.fill(`${FORM} input[name=id]`, 'o3-mini');
    await page.selectOption(`${FORM} select[name=provider]`, 'openai');
    await page.click(`${FORM} button:text-is("Add model")`);
    await page.waitForSelector('#model-o3-mini');
    expect(stored('o3-mini')).toMatchObject({ inputPrice: 1.1, cachedInputPrice: 0.55, outputPrice: 4.4 });
  });

  test('a request to a model nobody prices shows its cost as unknown on the Logs page, not $0', async () => {
    const { page } = s;
    const { response } = await client().chat.completions.create({ model: 'openai/acme-unpriced', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const row = await logRow(response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ cost_usd: 0, cost_unknown: true });
    await navTo(page, 'Logs', 'logs');
    expect(await page.textContent(`#log-${row.id} .cost-unknown`)).toBe('unknown');
    await page.click(`#log-${row.id}`);
    await page.waitForSelector('#log-detail .cost-unknown');
    expect(await page.textContent('#log-detail .cost-unknown')).toContain('add it on the Models page');
  });

  test('Delete: refused with the reason while a group names the model, then the row says it is deleted and keeps the focus; seeded rows have none', async () => {
    const { env, page, watch } = s;
    await navTo(page, 'Models', 'models');
    expect(await page.locator('#model-gpt-4o button:text-is("Delete")').count()).toBe(0);
    const now = Date.now();
    env.gw.ctx.db.insert(modelGroups).values({ name: 'acme-group', strategy: 'heuristic', targets: ['acme-chat-1'], updatedAt: now }).run();
    env.gw.ctx.state.reload();
    await page.click('#model-acme-chat-1 button:text-is("Delete")');
    await page.waitForSelector('#model-acme-chat-1 .form-error');
    expect(await page.textContent('#model-acme-chat-1 .form-error')).toContain("model group 'acme-group'");
    expect(stored('acme-chat-1')).toBeDefined();

    env.gw.ctx.db.delete(modelGroups).where(eq(modelGroups.name, 'acme-group')).run();
    env.gw.ctx.state.reload();
    await page.click('#model-acme-chat-1 button:text-is("Delete")');
    // A row saying so takes its place, and holds the focus (with the row simply gone, the focus
    // fell to the page's start and the next Tab went to the sidebar).
    await page.waitForSelector('#model-acme-chat-1.deleted');
    expect(await page.innerText('#model-acme-chat-1')).toBe('Deleted acme-chat-1.');
    expect(await page.locator('#model-acme-chat-1 button').count()).toBe(0);
    // The focus moves there as the swap settles, a moment after the row is in the page.
    await htmxSettled(page);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('model-acme-chat-1');
    expect(stored('acme-chat-1')).toBeUndefined();
    expect(env.gw.ctx.state.getSnapshot().models.has('acme-chat-1')).toBe(false);
    expect(watch.dialogs.filter((d) => d.startsWith('confirm: Delete the model acme-chat-1'))).toHaveLength(2);
  });

  test('an id the table cannot take is refused in the form\'s words: its label, not the API\'s field name', async () => {
    const { page } = s;
    await navTo(page, 'Models', 'models');
    const rule = 'must be 1-200 letters, digits and . _ : / @ + -, starting with a letter or digit.';
    await page.fill(`${FORM} input[name=id]`, 'acme chat 2');
    await page.selectOption(`${FORM} select[name=provider]`, 'openai');
    await page.fill(`${FORM} input[name=input_price]`, '1');
    await page.fill(`${FORM} input[name=output_price]`, '2');
    await page.click(`${FORM} button:text-is("Add model")`);
    await page.waitForSelector(`${FORM} .form-errors`);
    expect(await page.textContent(`${FORM} .form-errors`)).toBe(`Model id ${rule}`);
    expect(await page.textContent(`${FORM} label:has(input[name=id])`)).toContain('Model id');
    expect(await page.inputValue(`${FORM} input[name=id]`)).toBe('acme chat 2');

    await page.fill(`${FORM} input[name=id]`, 'acme-chat-2');
    await page.fill(`${FORM} input[name=upstream_id]`, '-acme');
    await page.click(`${FORM} button:text-is("Add model")`);
    await page.waitForFunction(() => document.querySelector('#model_create .form-errors')?.textContent?.startsWith('Upstream id'));
    expect(await page.textContent(`${FORM} .form-errors`)).toBe(`Upstream id ${rule}`);
    expect(await page.textContent(`${FORM} label:has(input[name=upstream_id])`)).toContain('Upstream id');
    expect(stored('acme-chat-2')).toBeUndefined();
  });

  test('nothing else went wrong', () => {
    const { watch } = s;
    expect(watch.dialogs.filter((d) => !d.startsWith('confirm: Delete the model'))).toEqual([]);
    expect(watch.problems.filter((p) => !/Failed to load resource.*\b422\b/.test(p))).toEqual([]);
  });

  async function logRow(requestId: string): Promise<{ id: number; cost_usd: number; cost_unknown: boolean }> {
    const { env, page } = s;
    for (let i = 0; i < 400; i++) {
      const logs = (await (await page.request.get(`${env.gw.url}/api/logs?limit=100`)).json()) as { data: { id: number; request_id: string; cost_usd: number; cost_unknown: boolean }[] };
      const row = logs.data.find((r) => r.request_id === requestId);
      if (row) return row;
      await Bun.sleep(25);
    }
    throw new Error(`no log row for ${requestId}`);
  }
});
