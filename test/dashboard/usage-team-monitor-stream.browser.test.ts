/**
 * In real headless Chromium: the Usage page's Team filter (the Logs page's picker) narrows the
 * cards and breakdowns to one team's requests, kept in the address with the range (none: left out of it); the Monitoring
 * page marks a streamed request as the Logs detail does ("chat (stream)"), for the rows it opens
 * with and for those that come in live.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import type { LogRow } from '../../src/logging/log-row';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, markStale, navTo } from '../browser-helpers/dashboard-gateway';
import { keysInTwoTeams, pickTeamFilter } from '../browser-helpers/team-filter-helpers';

setDefaultTimeout(60_000);

/** A streamed chat row as the writer stores it; `route` names it on the Monitoring page. */
const streamedRow = (route: string): LogRow => ({
  createdAt: Date.now(), requestId: `${route}-${crypto.randomUUID()}`, clientId: null, endpoint: 'chat', modelRequested: 'gpt-4o-mini',
  model: 'gpt-4o-mini', provider: 'openai', route, stream: true, status: 200, errorType: null, error: null,
  promptTokens: 10, cachedTokens: 0, completionTokens: 5, reasoningTokens: 0, estimated: false, costUsd: 0.00001,
  latencyMs: 120, ttfbMs: 40, overheadMs: 1,
});

describe.skipIf(!chromiumAvailable() && !process.env.CI)('Usage by team and streamed rows on Monitoring, in Chromium', () => {
  const s = useDashboardSuite('usage-team-stream-password-1', async (env) => {
    const keys = await keysInTwoTeams(env);
    for (const who of ['ops', 'research', 'research', 'none'] as const) {
      const { response } = await env.gw.openai(keys[who].key).chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: who }] }).withResponse();
      await storedLogRow(env, response.headers.get('x-request-id')!);
    }
    const seeded = streamedRow('seeded-stream');
    env.gw.ctx.logSink.write(seeded);
    await storedLogRow(env, seeded.requestId);
  });

  const stat = (page: Page) => page.innerText('#stat-requests .stat-value');
  const clients = (page: Page) => page.$$eval('#breakdown-client tbody td:first-child .clip', (els) => els.map((e) => e.textContent));

  test("pick a team: its requests in the cards and breakdowns; the range keeps it", async () => {
    const { page } = s;
    await navTo(page, 'Usage', 'usage');
    expect(await stat(page)).toBe('5');
    await pickTeamFilter(page, { input: '#usage-team', typed: 'res', team: 'Research', pageKey: 'usage' });
    expect(await stat(page)).toBe('2');
    expect(await clients(page)).toEqual(['research-key']);
    expect(new URL(page.url()).searchParams.get('team')).toBe('Research');

    await markStale(page, '#main [data-page="usage"]');
    await page.selectOption('#range', '7d');
    await page.waitForSelector('#main [data-page="usage"]:not([data-stale])');
    await htmxSettled(page);
    const address = new URL(page.url()).searchParams;
    expect([address.get('range'), address.get('team')]).toEqual(['7d', 'Research']);
    expect(await page.inputValue('#usage-team')).toBe('Research');
    expect(await stat(page)).toBe('2');
    expect(s.watch.problems).toEqual([]);
  });

  test('Monitoring marks streamed rows "chat (stream)", opened with and live; others not', async () => {
    const { page, env } = s;
    await navTo(page, 'Monitoring', 'monitor');
    await page.waitForSelector('#monitor-status:text-is("live")');
    const endpointOf = (route: string) => page.locator('#monitor-table tr.monitor-row', { has: page.locator(`code:text-is("${route}")`) }).locator('.monitor-endpoint');
    expect((await endpointOf('seeded-stream').innerText()).trim()).toBe('· chat (stream)');
    // A request that did not stream shows no mark (its endpoint, chat, is the default one).
    const plain = page.locator('#monitor-table tr.monitor-row').filter({ hasNot: page.locator('code:text-is("seeded-stream")') });
    expect(await plain.count()).toBe(4);
    for (const row of await plain.all()) expect(await row.locator('.monitor-endpoint').isVisible()).toBe(false);

    env.gw.ctx.logSink.write(streamedRow('live-stream'));
    await page.waitForSelector('#monitor-table tr.monitor-row code:text-is("live-stream")');
    expect((await endpointOf('live-stream').innerText()).trim()).toBe('· chat (stream)');
    expect(s.watch.problems).toEqual([]);
  });

  test('a range picked with no team: the address is /?range=7d, without a blank team=', async () => {
    const { page } = s;
    await navTo(page, 'Usage', 'usage');
    await markStale(page, '#main [data-page="usage"]');
    await page.selectOption('#range', '7d');
    await page.waitForSelector('#main [data-page="usage"]:not([data-stale])');
    await htmxSettled(page);
    expect(new URL(page.url()).search).toBe('?range=7d');
    expect(await page.inputValue('#range')).toBe('7d');
    expect(s.watch.problems).toEqual([]);
  });
});
