/**
 * The Logs page's Team filter in real headless Chromium: type the start of a team's name, pick it
 * from the suggestions (the `input` event Chromium fires for a pick, as in team-picker's test:
 * headless Chromium draws no datalist popup), and the list holds that team's requests only, the
 * filter in the address; Back and Forward walk the filtered and unfiltered lists as htmx's history
 * keeps them, and a reload of the address keeps the filter.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { storedLogRow, useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';
import { keysInTwoTeams, pickTeamFilter } from '../browser-helpers/team-filter-helpers';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('the Logs Team filter in Chromium', () => {
  /** Row ids (`log-N`) of each key's requests, newest first. */
  const rows: Record<'ops' | 'research' | 'none', string[]> = { ops: [], research: [], none: [] };

  const s = useDashboardSuite('logs-team-filter-password-1', async (env) => {
    const keys = await keysInTwoTeams(env);
    // Interleaved, so a team's rows are not simply the newest or the oldest.
    for (let round = 0; round < 2; round++) {
      for (const who of ['ops', 'research', 'none'] as const) {
        const { response } = await env.gw.openai(keys[who].key).chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${who} ${round}` }] }).withResponse();
        rows[who].unshift(`log-${(await storedLogRow(env, response.headers.get('x-request-id')!)).id}`);
      }
    }
  });

  const listed = (page: Page) => page.$$eval('#logs-table tbody tr', (trs) => trs.map((tr) => tr.id));

  test("pick a team: only its keys' requests, the filter in the address and in history", async () => {
    const { page, env } = s;
    await navTo(page, 'Logs', 'logs');
    expect((await listed(page)).length).toBe(6);
    await pickTeamFilter(page, { input: '#logs-team', typed: 'res', team: 'Research', pageKey: 'logs' });
    expect(await listed(page)).toEqual(rows.research);
    expect(new URL(page.url()).searchParams.get('team')).toBe('Research');
    expect(await page.inputValue('#logs-team')).toBe('Research');
    expect(await page.locator('.form-errors').count()).toBe(0);

    // Back: the whole list again (htmx's history); Forward: the team's.
    await page.goBack();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('team') && document.querySelectorAll('#logs-table tbody tr').length === 6);
    await page.goForward();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('team') === 'Research' && document.querySelectorAll('#logs-table tbody tr').length === 2);
    expect(await listed(page)).toEqual(rows.research);

    // The address itself, reloaded: the same list, the filter in its field.
    await page.goto(`${env.gw.url}/logs?team=Ops`);
    await page.waitForSelector('#main [data-page="logs"]');
    expect(await listed(page)).toEqual(rows.ops);
    expect(await page.inputValue('#logs-team')).toBe('Ops');
    expect(s.watch.problems).toEqual([]);
  });
});
