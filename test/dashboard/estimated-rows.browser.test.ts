/**
 * A row whose usage the gateway estimated (the provider sent none: a stream cut short) reads as
 * estimated in the tables, not only in the Logs detail: "≈" before its tokens and its cost, with a
 * tooltip saying why, on the Logs page (server-drawn) and the live Monitoring page (drawn in the
 * browser from the same row). A row with the provider's own usage has no mark. Real Chromium.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

const ESTIMATED_ID = `estimated-${crypto.randomUUID()}`;
const COUNTED_ID = `counted-${crypto.randomUUID()}`;
const row = (requestId: string, estimated: boolean, at: number): LogRow => ({
  createdAt: at, requestId, clientId: null, endpoint: 'chat', modelRequested: 'gpt-4o', model: 'gpt-4o',
  provider: 'openai', route: null, stream: true, status: estimated ? 499 : 200, errorType: null, error: null, promptTokens: 1200,
  cachedTokens: 0, completionTokens: 340, reasoningTokens: 0, estimated, costUsd: 0.0064, latencyMs: 800, ttfbMs: 100, overheadMs: 1,
});

describe.skipIf(!chromiumAvailable() && !process.env.CI)('estimated rows marked in the tables, in Chromium', () => {
  const ids = { estimated: 0, counted: 0 };
  const s = useDashboardSuite('estimated-rows-password-1', async (env) => {
    env.gw.ctx.logSink.write(row(COUNTED_ID, false, Date.now() - 1000));
    env.gw.ctx.logSink.write(row(ESTIMATED_ID, true, Date.now()));
    ids.counted = (await storedLogRow(env, COUNTED_ID)).id;
    ids.estimated = (await storedLogRow(env, ESTIMATED_ID)).id;
  });

  test('the Logs page: ≈ before the estimated row\'s tokens and cost, with the reason as a tooltip; none on the other', async () => {
    await s.page.goto(`${s.env.gw.url}/logs`);
    const cells = (id: number) => s.page.locator(`#log-${id} td.num`);
    expect(await cells(ids.estimated).nth(0).innerText()).toBe('≈ 1.2k / 340');
    expect(await cells(ids.estimated).nth(1).innerText()).toMatch(/^≈ \$0\.0064/);
    expect(await s.page.locator(`#log-${ids.estimated} .estimated`).first().getAttribute('title')).toContain('sent no usage');
    expect(await cells(ids.counted).nth(0).innerText()).toBe('1.2k / 340');
    expect(await cells(ids.counted).nth(1).innerText()).not.toContain('≈');
  });

  test('the Monitoring page: the same marks, drawn in the browser', async () => {
    await s.page.goto(`${s.env.gw.url}/monitor`);
    const rows = s.page.locator('#monitor-table tr.monitor-row');
    await rows.nth(1).waitFor();
    const estimated = rows.filter({ hasText: '499' }).first();
    expect(await estimated.locator('td.num').nth(0).innerText()).toBe('≈ 1.2k / 340');
    expect(await estimated.locator('td.num').nth(1).innerText()).toMatch(/^≈ \$0\.0064/);
    expect(await estimated.locator('td.num').nth(0).getAttribute('title')).toContain('sent no usage');
    const counted = rows.filter({ hasText: '200' }).first();
    expect(await counted.locator('td.num').nth(0).innerText()).toBe('1.2k / 340');
    expect(await counted.locator('td.num').nth(0).getAttribute('title')).toBeNull();
  });

  test('the pages raised no console errors', () => {
    expect(s.watch.problems).toEqual([]);
  });
});
