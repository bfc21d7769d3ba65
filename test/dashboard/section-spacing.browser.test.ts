/**
 * The Models and Teams pages in real headless Chromium: the admin's create form, the Find team
 * bar and the list are spaced as on every other page. Their section (swapped whole by a save) had
 * no gap of its own, so the New model card sat flush on the models table, and the New team card,
 * the Find team bar and the teams table touched one another.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createTeam } from '../../src/admin/teams-service';
import { chromiumAvailable } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

describe.skipIf(!chromiumAvailable() && !process.env.CI)('section spacing in Chromium', () => {
  const s = useDashboardSuite('section-spacing-password-1', async (env) => {
    await createTeam(env.gw.ctx, { name: 'platform' });
  });

  /** The vertical gap, in pixels, between each shown child of the section and the next. */
  function gaps(section: string): Promise<number[]> {
    return s.page.$eval(section, (el) => {
      const shown = [...el.children].filter((c) => c.getBoundingClientRect().height > 0).map((c) => c.getBoundingClientRect());
      return shown.slice(1).map((r, i) => Math.round(r.top - shown[i]!.bottom));
    });
  }

  for (const [label, pageKey, section, blocks] of [['Models', 'models', '#models-section', 2], ['Teams', 'teams', '#teams-section', 3]] as const) {
    test(`${label}: the blocks of the page are spaced apart, wide and phone-wide`, async () => {
      const { page } = s;
      for (const width of [1366, 390]) {
        await page.setViewportSize({ width, height: 800 });
        await navTo(page, label, pageKey);
        const found = await gaps(section);
        expect(found.length).toBe(blocks - 1);
        for (const gap of found) expect(gap).toBeGreaterThanOrEqual(12);
      }
    });
  }

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
