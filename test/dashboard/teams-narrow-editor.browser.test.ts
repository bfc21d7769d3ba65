/**
 * A team's editor on a phone-wide window (375 px), in real headless Chromium: the Teams table
 * scrolls sideways inside its card, and the editor used to open inside the Limits column, beside
 * a name scrolled out of sight and cut at the window's edge. It opens on a row of its own (the
 * Clients page's EditorRow), within the visible width, headed with the team's name; a save works.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createClient, updateClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { navTo } from '../browser-helpers/dashboard-gateway';
import { editorOpened, editorPlacement } from '../browser-helpers/editor-placement';

setDefaultTimeout(60_000);

const NAME = 'research-platform-eu';

describe.skipIf(!chromiumAvailable() && !process.env.CI)('a team\u2019s editor at 375 px in Chromium', () => {
  let id = 0;
  const s = useDashboardSuite('teams-narrow-password-1', async (env) => {
    id = (await createTeam(env.gw.ctx, { name: NAME, budget_usd: 25, rpm: 300 })).id;
    for (const name of ['notebook-runner', 'eval-harness-nightly']) {
      const c = await createClient(env.gw.ctx, name);
      await updateClient(env.gw.ctx, c.id, { team_id: id });
    }
  });
  const form = () => `#team-${id} form[data-editor="team"]`;

  test('opened with Edit, the editor is within the window and names the team', async () => {
    const { page } = s;
    await navTo(page, 'Teams', 'teams');
    await page.setViewportSize({ width: 375, height: 800 });
    // The table is wider than the window: Edit is reached by scrolling it sideways.
    expect(await page.evaluate(() => { const w = document.querySelector('#teams-section .editor-rows')!; return w.scrollWidth > w.clientWidth; })).toBe(true);
    await page.click(`#team-${id} [data-opens=team]`);
    await page.waitForSelector(`${form()} input[name=rpm]`, { state: 'visible' });
    await editorOpened(page, form());
    const at = await editorPlacement(page, form());
    await screenshot(page, 'w375-team-editor');
    expect(at).toEqual({ formOut: false, fieldsOut: [], fields: expect.any(Number), title: `Limits of ${NAME}`, titleOut: false, pageOverflow: 0 });
    expect(at.fields).toBeGreaterThan(5);
    // The focus went to its first field (the name), as on a wide window.
    expect(await page.evaluate((sel) => document.activeElement === document.querySelector(`${sel} input[name=name]`), form())).toBe(true);
  });

  test('a save from the narrow editor works, and the editor closes', async () => {
    const { page } = s;
    await page.fill(`${form()} input[name=rpm]`, '7');
    await page.click(`${form()} button:text-is("Save")`);
    await page.waitForSelector(`#team-${id} .limits-summary:text("7 rpm")`);
    expect(await page.isVisible(form())).toBe(false);
  });

  test('on a laptop-wide window the open editor does not widen the table', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.click(`#team-${id} [data-opens=team]`);
    await page.waitForSelector(`${form()} input[name=rpm]`, { state: 'visible' });
    await editorOpened(page, form());
    expect(await page.evaluate(() => { const w = document.querySelector('#teams-section .editor-rows')!; return w.scrollWidth - w.clientWidth; })).toBeLessThanOrEqual(1);
    expect((await editorPlacement(page, form())).fieldsOut).toEqual([]);
  });

  test('nothing else went wrong', () => {
    expect(s.watch.problems).toEqual([]);
    expect(s.failedRequests).toEqual([]);
  });
});
