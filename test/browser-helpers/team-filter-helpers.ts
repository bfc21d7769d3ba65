/**
 * For the Team filter tests (Logs and Usage pages): two teams with a key each, and the filter
 * used as a person does in Chromium.
 */
import type { Page } from 'playwright-core';
import { createTeam } from '../../src/admin/teams-service';
import { updateClient } from '../../src/admin/clients-service';
import { htmxSettled, markStale, type DashboardGateway } from './dashboard-gateway';

/** Teams Ops and Research, a key in each (`ops-key`, `research-key`) and one in none (`lone-key`). */
export async function keysInTwoTeams(env: DashboardGateway) {
  const ops = await createTeam(env.gw.ctx, { name: 'Ops' });
  const research = await createTeam(env.gw.ctx, { name: 'Research' });
  const keys = { ops: env.gw.addClient('ops-key'), research: env.gw.addClient('research-key'), none: env.gw.addClient('lone-key') };
  await updateClient(env.gw.ctx, keys.ops.id, { team_id: ops.id });
  await updateClient(env.gw.ctx, keys.research.id, { team_id: research.id });
  await env.gw.ctx.state.refresh();
  return keys;
}

/**
 * Picks a team in a Team filter (`input`): type the start of a team's name, wait for the
 * suggestions to hold just that team, pick it (the `input` event Chromium fires for a pick:
 * headless Chromium draws no datalist popup), and wait for the page the filter reloads.
 */
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
