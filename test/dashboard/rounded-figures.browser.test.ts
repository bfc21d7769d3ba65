/**
 * Figures that round up to the next unit's size, in real headless Chromium: 999,950 tokens read
 * "1000k" and a 999.6 ms latency "1000 ms" (on the server's pages and, through format.js, on the
 * live Monitoring page). Each is said in the next unit: "1M", "1 s".
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { LogRow } from '../../src/logging/log-row';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';

setDefaultTimeout(60_000);

const REQUEST_ID = `rounded-${crypto.randomUUID()}`;

// 999,000 in and 950 out: 999,950 tokens; 999.6 ms from request to answer.
const ROW: LogRow = {
  createdAt: Date.now(), requestId: REQUEST_ID, clientId: null, endpoint: 'chat', modelRequested: 'gpt-4o', model: 'gpt-4o',
  provider: 'openai', route: null, stream: false, status: 200, errorType: null, error: null, promptTokens: 999_000, cachedTokens: 0,
  completionTokens: 950, reasoningTokens: 0, estimated: false, costUsd: 2.5, latencyMs: 999.6, ttfbMs: null, overheadMs: 1,
};

describe.skipIf(!chromiumAvailable() && !process.env.CI)('figures rounded up to the next unit in Chromium', () => {
  let rowId = 0;
  const s = useDashboardSuite('rounded-figures-password-1', async (env) => {
    env.gw.ctx.logSink.write(ROW);
    rowId = (await storedLogRow(env, REQUEST_ID)).id;
  });

  test('999,950 tokens read "1M" on the Usage page, not "1000k"', async () => {
    await s.page.goto(`${s.env.gw.url}/`);
    expect(await s.page.innerText('#stat-tokens .stat-value')).toBe('1M');
  });

  test('a 999.6 ms latency reads "1 s" on the Logs page, not "1000 ms"', async () => {
    await s.page.goto(`${s.env.gw.url}/logs`);
    expect(await s.page.locator(`#log-${rowId} td.num`).nth(2).innerText()).toBe('1 s');
  });

  test('the same latency reads "1 s" on the Monitoring page (formatted in the browser)', async () => {
    await s.page.goto(`${s.env.gw.url}/monitor`);
    const row = s.page.locator('#monitor-table tr.monitor-row').first();
    await row.waitFor();
    expect(await row.locator('td.num').last().innerText()).toBe('1 s');
  });

  test('the page raised no console errors', () => {
    expect(s.watch.problems).toEqual([]);
  });
});
