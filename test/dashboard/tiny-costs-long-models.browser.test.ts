/**
 * Figures and names the traffic brings, in real headless Chromium: a cost under $0.000001 (a short
 * embedding, a cheap model) reads as decimals on Logs, Monitoring (live) and Usage, never "$3.7e-8",
 * and the Usage breakdowns still fit their cards with it;
 * and a model name as long as a request may send (256 characters, one word) neither pushes the Logs
 * or Monitoring columns out of sight on a laptop, 1280 or 1360 pixels wide, nor goes unseen: it is
 * whole in the cell's tooltip and in the row's detail.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { createModel } from '../../src/admin/models-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

// 19 prompt and 9 completion tokens (the fixture's usage) at $0.001 and $0.002 per 1M: $0.000000037.
const CHEAP = 'penny-model';
const CHEAP_COST = '$0.000000037';
const LONG_MODEL = `openai/${'m'.repeat(245)}end`;

/** How far the page scrolls sideways, and how much of the widest table its scroller hides. */
function cut(page: Page) {
  return page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    tableCut: Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth)),
  }));
}

describe.skipIf(!chromiumAvailable() && !process.env.CI)('tiny costs and long model names in Chromium', () => {
  const s = useDashboardSuite('tiny-costs-password-1', async (env) => {
    await createModel(env.gw.ctx, { id: CHEAP, provider: 'openai', upstream_id: 'gpt-4o-mini', input_price: 0.001, output_price: 0.002 });
  });

  test('a cost under $0.000001 reads as decimals on Monitoring (live), Logs and Usage', async () => {
    const { page, env } = s;
    await page.goto(`${env.gw.url}/monitor`);
    await page.waitForSelector('#monitor-status:text-is("live")');
    const { response } = await env.gw.openai().chat.completions
      .create({ model: CHEAP, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const row = await storedLogRow(env, response.headers.get('x-request-id')!);
    expect(row.costUsd).toBeCloseTo(3.7e-8, 15);

    const live = page.locator('#monitor-table tr.monitor-row', { has: page.locator(`code:text-is("${CHEAP}")`) });
    await live.waitFor();
    expect(await live.locator('td.num').nth(1).innerText()).toBe(CHEAP_COST);
    // Its times are UTC, as on Logs, and it says so (a reader in New York took 18:12 for local time).
    expect(await page.innerText('#monitor-table thead th >> nth=0')).toBe('Time (UTC)');
    expect(await live.locator('td >> nth=0').innerText()).toBe(new Date(row.createdAt).toISOString().slice(11, 19));

    await page.goto(`${env.gw.url}/logs`);
    expect(await page.locator(`#log-${row.id} td.num`).nth(1).innerText()).toBe(CHEAP_COST);
    await page.click(`#log-${row.id}`);
    await page.waitForSelector('#log-detail-body');
    expect(await page.innerText('#log-detail-body')).toContain(CHEAP_COST);

    // Five tokens of text-embedding-3-small ($0.02 per 1M): $0.0000001.
    const embedded = await env.gw.openai().embeddings.create({ model: 'text-embedding-3-small', input: 'Hi' }).withResponse();
    const embeddingRow = await storedLogRow(env, embedded.response.headers.get('x-request-id')!);
    expect(embeddingRow.costUsd).toBeCloseTo(1e-7, 15);

    // Usage reads the hourly rollups, which the log writer fills a moment after the row.
    let usage = '';
    for (let i = 0; i < 40 && !(usage.includes(CHEAP) && usage.includes('text-embedding-3-small')); i++) {
      await page.goto(`${env.gw.url}/`);
      await page.waitForSelector('#main [data-page="usage"]');
      usage = await page.innerText('#main');
      await Bun.sleep(100);
    }
    expect(await page.locator('#breakdown-model tr', { has: page.locator(`[title="${CHEAP}"]`) }).locator('td.num').nth(2).innerText()).toBe(CHEAP_COST);
    expect(await page.locator('#breakdown-model tr', { has: page.locator('[title="text-embedding-3-small"]') }).locator('td.num').nth(2).innerText()).toBe('$0.0000001');
    expect(usage).not.toMatch(/\de-\d/);
    // The longer figures (and the model's kind, "embeddings") still fit the breakdown cards.
    for (const width of [1360, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      expect({ width, ...(await cut(page)) }).toEqual({ width, overflow: 0, tableCut: 0 });
    }
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  test('a 256-character model name: the Logs and Monitoring tables keep every column in sight, the name whole in tooltip and detail', async () => {
    const { page, env } = s;
    expect(LONG_MODEL.length).toBe(255);
    const { response } = await env.gw.openai().chat.completions
      .create({ model: LONG_MODEL, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const row = await storedLogRow(env, response.headers.get('x-request-id')!);
    const problems: string[] = [];
    for (const width of [1360, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${env.gw.url}/logs`);
      const logs = await cut(page);
      if (logs.overflow > 0 || logs.tableCut > 1) problems.push(`${width}px logs: ${JSON.stringify(logs)}`);
      if (await page.locator(`#log-${row.id} td >> nth=3`).locator('code').getAttribute('title') !== LONG_MODEL) problems.push(`${width}px logs: no tooltip`);
      await page.goto(`${env.gw.url}/monitor`);
      const live = page.locator('#monitor-table tr.monitor-row code', { hasText: 'mmmm' }).first();
      await live.waitFor();
      const monitor = await cut(page);
      if (monitor.overflow > 0 || monitor.tableCut > 1) problems.push(`${width}px monitor: ${JSON.stringify(monitor)}`);
      if (await live.getAttribute('title') !== LONG_MODEL) problems.push(`${width}px monitor: no tooltip`);
    }
    expect(problems).toEqual([]);
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.goto(`${env.gw.url}/logs`);
    await page.click(`#log-${row.id}`);
    await page.waitForSelector('#log-detail-body');
    expect((await page.innerText('#log-detail-body')).replace(/\s/g, '')).toContain(LONG_MODEL);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.dialogs).toEqual([]);
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
