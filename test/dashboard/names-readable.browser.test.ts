/**
 * Everyday names on the pages that list them with room to spare, in real headless Chromium on a
 * laptop-wide window: the Teams and Users tables show "platform-engineering" and
 * "platform-security" whole. Both read "platform-e…" (every name was cut at 8em, ~11 letters, with
 * half the table empty), so two teams or users could not be told apart without hovering each.
 * A 100-character name is still cut, without cutting the table (long-names.browser.test.ts).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createTeam } from '../../src/admin/teams-service';
import { createUser } from '../../src/admin/users-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';
import { tablesCut } from '../browser-helpers/page-audit';

setDefaultTimeout(60_000);

const NAMES = ['platform-engineering', 'platform-security'];

describe.skipIf(!chromiumAvailable() && !process.env.CI)('names people pick rows by, in Chromium', () => {
  const s = useDashboardSuite('names-readable-password-1', async (env) => {
    for (const name of NAMES) {
      await createTeam(env.gw.ctx, { name });
      await createUser(env.gw.ctx.db, name, 'a-long-enough-password', 'viewer', true);
    }
  });

  /** Each listed name in `cells` (text, and whether its box cuts it). */
  const shown = (cells: string) => s.page.$$eval(cells, (els) => els.map((e) => ({ name: e.textContent, cut: e.scrollWidth > e.clientWidth })));

  test('Teams: each team name whole, the table whole', async () => {
    await navTo(s.page, 'Teams', 'teams');
    expect(await shown('#teams-table .team-name')).toEqual(NAMES.map((name) => ({ name, cut: false })));
    expect(await tablesCut(s.page)).toEqual([]);
  });

  test('Users: each user name whole, the table whole', async () => {
    await navTo(s.page, 'Users', 'users');
    const users = (await shown('#users-table tr[id^=user-] td:first-child .clip')).filter((u) => u.name !== 'admin');
    expect(users).toEqual(NAMES.map((name) => ({ name, cut: false })));
    expect(await tablesCut(s.page)).toEqual([]);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
