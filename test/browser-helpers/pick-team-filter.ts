/**
 * A Team filter (the Logs and Usage pages' picker) used as a person does in Chromium: type the
 * start of a team's name, wait for the suggestions to hold just that team, pick it (the `input`
 * event Chromium fires for a pick: headless Chromium draws no datalist popup), and wait for the
 * page the filter reloads.
 */
import type { Page } from 'playwright-core';
import { htmxSettled, markStale } from './dashboard-gateway';

export async function pickTeamFilter(page: Page, opts: { input: string; typed: string; team: string; pageKey: string }): Promise<void> {
  await page.focus(opts.input);
  await page.keyboard.type(opts.typed);
  await page.waitForFunction((team) => [...document.querySelectorAll('#team-choices option')].map((o) => (o as HTMLOptionElement).value).join() === team, opts.team);
  await markStale(page, `#main [data-page="${opts.pageKey}"]`);
  await page.evaluate(({ input, team }) => {
    const el = document.querySelector(input) as HTMLInputElement;
    el.value = team;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText' }));
  }, { input: opts.input, team: opts.team });
  await page.waitForSelector(`#main [data-page="${opts.pageKey}"]:not([data-stale])`);
  await htmxSettled(page);
}
