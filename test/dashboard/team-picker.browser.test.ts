/**
 * 3,000 teams in real headless Chromium: a key's team is chosen by typing the start of its name
 * into the picker, whose one shared suggestion list refills from /teams/choices (20 names at a
 * time, never every team); the Teams page is paged with links a keyboard follows; the Logs
 * client filter suggests keys the same way. Headless Chromium draws no datalist popup (so arrow
 * keys cannot reach it here): a pick is the `input` event Chromium fires when one is taken
 * (inputType insertReplacementText), sent by the test.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, teams } from '../../src/db/schema';
import { teamNameKey } from '../../src/admin/team-name-key';
import { chromiumAvailable, screenshot } from '../browser-helpers/launch-browser';
import { useDashboardSuite } from '../browser-helpers/dashboard-suite';
import { htmxSettled, navTo } from '../browser-helpers/dashboard-gateway';

setDefaultTimeout(60_000);

const TEAMS = 3000;
const teamName = (i: number) => `project-${String(i).padStart(4, '0')}`;

describe.skipIf(!chromiumAvailable() && !process.env.CI)('3,000 teams in Chromium', () => {
  const s = useDashboardSuite('team-picker-password-1', async (env) => {
    const now = Date.now();
    const rows = Array.from({ length: TEAMS }, (_, i) => ({ name: teamName(i), nameKey: teamNameKey(teamName(i)), createdAt: now, updatedAt: now }));
    for (let k = 0; k < rows.length; k += 250) env.gw.ctx.db.insert(teams).values(rows.slice(k, k + 250)).run();
    for (let i = 0; i < 5; i++) env.gw.addClient(`svc-${i}`);
    await env.gw.ctx.state.refresh();
  });
  /** Console errors but the refused save's own 422 (the test that makes it expects it). */
  const unexpectedProblems = () => s.watch.problems.filter((p) => !p.includes('status of 422'));
  const suggestions = () => s.page.evaluate(() => [...document.querySelectorAll('#team-choices option')].map((o) => (o as HTMLOptionElement).value));

  test("a key's team: type the start of its name, see the suggestions narrow to it, save", async () => {
    const { page, env } = s;
    await navTo(page, 'Clients', 'clients');
    // The page holds one list of 20 names, not 3,000 per key.
    expect(await page.locator('datalist').count()).toBe(1);
    expect(await suggestions()).toHaveLength(20);
    expect((await page.content()).length).toBeLessThan(200_000);

    const id = env.gw.clientId;
    await page.click(`#client-${id} button[aria-label="Edit limits"]`);
    const picker = `#client-${id}-team`;
    await page.waitForSelector(picker, { state: 'visible' });
    // Reached from the keyboard as every other field, and read out as a combobox with its label.
    expect(await page.getAttribute(picker, 'list')).toBe('team-choices');
    await page.focus(picker);
    await page.keyboard.type('Project-271');
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll('#team-choices option')].map((o) => (o as HTMLOptionElement).value);
      return v.length === 10 && v[0] === 'project-2710';
    });
    expect(await suggestions()).toEqual(Array.from({ length: 10 }, (_, i) => teamName(2710 + i)));
    await screenshot(page, 'team-picker-suggestions');
    // Typing on narrows the list to the one team.
    await page.keyboard.type('0');
    await page.waitForFunction(() => [...document.querySelectorAll('#team-choices option')].map((o) => (o as HTMLOptionElement).value).join() === 'project-2710');

    await page.click(`#client-${id} button:text-is("Save limits")`);
    await page.waitForSelector(`#client-${id} .limits-summary:text("team project-2710")`);
    // The section came back whole: the next test's save needs its forms wired.
    await htmxSettled(page);
    const [team] = env.gw.ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.name, 'project-2710')).all();
    expect(env.gw.ctx.db.select().from(clients).where(eq(clients.id, id)).get()!.teamId).toBe(team!.id);
    expect(s.watch.problems).toEqual([]);
  });

  test('a name that is no team is refused under the field, and the key keeps its team', async () => {
    const { page, env } = s;
    const id = env.gw.clientId;
    await page.click(`#client-${id} button[aria-label="Edit limits"]`);
    const picker = `#client-${id}-team`;
    await page.fill(picker, 'project-9999');
    await page.click(`#client-${id} button:text-is("Save limits")`);
    await page.waitForSelector(`${picker}[aria-invalid="true"]`);
    expect(await page.textContent(`#client-${id} .form-errors`)).toContain("No team is named 'project-9999'");
    expect(await page.textContent(`#client-${id} .limits-summary`)).toContain('team project-2710');
  });

  test('the Teams page: 100 a page, "Next" and "First" followed from the keyboard', async () => {
    const { page } = s;
    await navTo(page, 'Teams', 'teams');
    expect(await page.locator('#teams-table tbody.team').count()).toBe(100);
    expect((await page.content()).length).toBeLessThan(400_000);
    await page.focus('#teams-next');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#teams-table .team-name:text-is("project-0100")');
    // The next page was swapped in: its links are htmx's once the swap settles (Enter before that follows the link natively).
    await htmxSettled(page);
    expect(new URL(page.url()).searchParams.get('after_id')).not.toBeNull();
    expect(await page.locator('#teams-table tbody.team').count()).toBe(100);
    await page.focus('#teams-first');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#teams-table .team-name:text-is("project-0000")');
    await htmxSettled(page);
    expect(new URL(page.url()).search).toBe('');
  });

  test('Find team: typed and Enter lists the teams whose name starts with it', async () => {
    const { page } = s;
    await page.focus('#teams-find');
    await page.keyboard.type('project-29');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#teams-table .team-name:text-is("project-2900")');
    expect(await page.locator('#teams-table tbody.team').count()).toBe(100);
    expect(new URL(page.url()).searchParams.get('q')).toBe('project-29');
    expect(unexpectedProblems()).toEqual([]);
  });

  test('the Logs client filter: type, pick a key from the suggestions, and the page filters by it', async () => {
    const { page, env } = s;
    await navTo(page, 'Logs', 'logs');
    const [svc] = env.gw.ctx.db.select({ id: clients.id }).from(clients).where(eq(clients.name, 'svc-3')).all();
    await page.focus('#logs-client');
    await page.keyboard.type('SVC-3');
    await page.waitForFunction(() => [...document.querySelectorAll('#client-choices option')].length === 1);
    const picked = (await page.getAttribute('#client-choices option', 'value'))!;
    expect(picked).toBe(`svc-3 (#${svc!.id})`);
    await page.evaluate(() => document.querySelector('#main [data-page]')?.setAttribute('data-stale', ''));
    // What Chromium does when a suggestion is taken: the value replaced, one input event.
    await page.evaluate((v) => {
      const input = document.querySelector('#logs-client') as HTMLInputElement;
      input.value = v;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText' }));
    }, picked);
    await page.waitForSelector('#main [data-page="logs"]:not([data-stale])');
    // The focus stays in the filter (it has an id, which htmx gives the focus back to).
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('logs-client');
    expect(new URL(page.url()).searchParams.get('client')).toBe(`svc-3 (#${svc!.id})`);
    expect(await page.inputValue('#logs-client')).toBe(`svc-3 (#${svc!.id})`);
    expect(await page.locator('.form-errors').count()).toBe(0);
    expect(unexpectedProblems()).toEqual([]);
  });
});
