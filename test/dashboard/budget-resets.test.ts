/**
 * The Teams and Clients pages say when a budget's period resets, beside its spend ("resets
 * 2027-01-04 00:00:00 UTC"): the very moment the admin API gives as `budget_resets_at`, and none
 * for a `total` budget. Rendered by the gateway over HTTP with the limits' clock held.
 */
import { expect, test } from 'bun:test';
import { createClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { api, json, useDashboardGateway, type AdminGateway } from '../helpers/admin-harness';

const NOW = Date.parse('2026-12-30T15:30:00Z'); // a Wednesday
let s: AdminGateway & { cookie: string };
const ids: Record<string, number> = {};

useDashboardGateway(async (ready) => {
  s = ready;
  ids.team = (await createTeam(ready.gw.ctx, { name: 'weekly', budget_usd: 5, budget_period: 'week' })).id;
  ids.daily = (await createClient(ready.gw.ctx, 'daily', { budget_usd: 1, budget_period: 'day' })).id;
  ids.forever = (await createClient(ready.gw.ctx, 'forever', { budget_usd: 1, budget_period: 'total' })).id;
}, { limitsClock: () => NOW });

/** The budget cell of a row (`<tbody id=…>`) of a page, as HTML. */
async function budgetOf(page: string, rowId: string): Promise<string> {
  const r = await fetch(`${s.gw.url}${page}`, { headers: { cookie: s.cookie } });
  expect(r.status).toBe(200);
  const html = await r.text();
  const row = html.slice(html.indexOf(`<tbody id="${rowId}"`));
  return /<div class="budget"[\s\S]*?<\/td>/.exec(row.slice(0, row.indexOf('</tbody>')))?.[0] ?? '';
}

test('a team\'s and a key\'s budget show when the period resets, the API\'s budget_resets_at; a total budget shows none', async () => {
  const team = await json(await api(s.gw, 'GET', `/api/teams/${ids.team}`, { as: s.admin }));
  expect(team.budget_resets_at).toBe('2027-01-04T00:00:00.000Z');
  const teamCell = await budgetOf('/teams', `team-${ids.team}`);
  expect(teamCell).toContain('of $5.00 this week');
  expect(teamCell).toContain(`data-resets-at="${team.budget_resets_at}">resets 2027-01-04 00:00:00 UTC</span>`);

  const daily = await json(await api(s.gw, 'GET', `/api/clients/${ids.daily}`, { as: s.admin }));
  expect(daily.budget_resets_at).toBe('2026-12-31T00:00:00.000Z');
  const dailyCell = await budgetOf('/clients', `client-${ids.daily}`);
  expect(dailyCell).toContain('of $1.00 today');
  expect(dailyCell).toContain(`data-resets-at="${daily.budget_resets_at}">resets 2026-12-31 00:00:00 UTC</span>`);

  const forever = await budgetOf('/clients', `client-${ids.forever}`);
  expect(forever).toContain('of $1.00 in total');
  expect(forever).not.toContain('resets');
});
