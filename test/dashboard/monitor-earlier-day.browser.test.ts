/**
 * The Monitoring page opens with the log's latest rows, however old. Their time said only the time
 * of day, so after a quiet night yesterday's requests read as if they had just come in: a row of
 * an earlier day (UTC) now carries its date, as on the Logs page; one of today, its time alone.
 * In real headless Chromium.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const DAY = 86_400_000;
// Noon UTC two days back: an earlier UTC day whatever the time of the run.
const EARLIER = Math.floor(Date.now() / DAY) * DAY - 2 * DAY + 12 * 3_600_000;
const REQUEST_ID = `earlier-day-${crypto.randomUUID()}`;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('Monitoring rows of an earlier day in Chromium', () => {
  const s = useDashboardSuite('monitor-earlier-day-admin-1', async (env) => {
    env.gw.ctx.logSink.write({
      createdAt: EARLIER, requestId: REQUEST_ID, clientId: env.gw.clientId, endpoint: 'chat', modelRequested: 'gpt-4o-mini',
      model: 'gpt-4o-mini', provider: 'openai', route: 'gpt-4o-mini', stream: false, status: 200, errorType: null, error: null,
      promptTokens: 10, cachedTokens: 0, completionTokens: 5, reasoningTokens: 0, estimated: false, costUsd: 0.00001,
      latencyMs: 120, ttfbMs: 40, overheadMs: 1,
    });
    await storedLogRow(env, REQUEST_ID);
  });

  test("an earlier day's row shows its date; a request that comes in now, its time alone", async () => {
    const { page, env, watch } = s;
    await navTo(page, 'Monitoring', 'monitor');
    await page.waitForSelector('#monitor-status:text-is("live")');
    const firstTime = () => page.locator('#monitor-table tbody tr.monitor-row >> nth=0').locator('td >> nth=0').innerText();
    const earlier = new Date(EARLIER).toISOString();
    expect(await firstTime()).toBe(`${earlier.slice(5, 10)} ${earlier.slice(11, 19)}`);

    await env.gw.openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await page.waitForFunction(() => document.querySelectorAll('#monitor-table tbody tr.monitor-row').length === 2);
    expect(await firstTime()).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(watch.problems).toEqual([]);
  });
});
