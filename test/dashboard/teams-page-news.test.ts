/**
 * What the Teams page tells a new admin of a change. A team's row names its keys: a key revoked
 * on the Clients page stays in its team (its spend is the team's), and the row went on naming it
 * like the keys that still call; it now says "(revoked)" beside it, for admins and viewers alike.
 * And a team created is said to be: the list is by name, 100 a page, so the new team was often on
 * no page shown, and the emptied form was all that changed.
 */
import { describe, expect, test } from 'bun:test';
import { createClient, revokeClient, updateClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
import { teamNameKey } from '../../src/admin/team-name-key';
import { teams } from '../../src/db/schema';
import { dashboardCookie, makeUser, useDashboardGateway, type AdminGateway } from '../helpers/admin-harness';

let s: AdminGateway & { cookie: string };
let viewerCookie = '';
let teamId = 0;

useDashboardGateway(async (ready) => {
  s = ready;
  const { gw } = ready;
  teamId = (await createTeam(gw.ctx, { name: 'research' })).id;
  for (const name of ['billing', 'old-batch']) {
    const { id } = await createClient(gw.ctx, name);
    await updateClient(gw.ctx, id, { team_id: teamId });
    if (name === 'old-batch') await revokeClient(gw.ctx, id);
  }
  // More teams than a page holds (100), named to sort after 'research'.
  const now = Date.now();
  const more = Array.from({ length: 120 }, (_, i) => `squad-${String(i).padStart(3, '0')}`);
  gw.ctx.db.insert(teams).values(more.map((name) => ({ name, nameKey: teamNameKey(name), createdAt: now, updatedAt: now }))).run();
  await makeUser(gw, ready.admin, 'vera', 'viewer');
  viewerCookie = await dashboardCookie(gw, 'vera', 'vera-password-1');
});

/** The team row's Keys cell, as text. */
async function keysCell(cookie: string): Promise<string> {
  const r = await fetch(`${s.gw.url}/teams`, { headers: { cookie } });
  expect(r.status).toBe(200);
  const html = await r.text();
  const row = html.split(`<tbody id="team-${teamId}"`)[1]!.split('</tbody>')[0]!;
  const cell = /<td class="small team-keys">([\s\S]*?)<\/td>/.exec(row)![1]!;
  return cell.replace(/<[^>]+>/g, '');
}

describe("a team's revoked keys on the Teams page", () => {
  test('the revoked key is marked, the active one is not', async () => {
    expect(await keysCell(s.cookie)).toBe('billing, old-batch (revoked)');
  });

  test('a viewer reads the same', async () => {
    expect(await keysCell(viewerCookie)).toBe('billing, old-batch (revoked)');
  });
});

describe('a team created on the Teams page', () => {
  /** Creates a team from the first page's form, as htmx posts it; the answer's notice, as text. */
  async function create(name: string): Promise<string> {
    const r = await fetch(`${s.gw.url}/teams`, {
      method: 'POST',
      headers: { cookie: s.admin.cookie, 'x-csrf-token': s.admin.csrf, 'hx-request': 'true', 'hx-current-url': `${s.gw.url}/teams` },
      body: new URLSearchParams({ name, models: '', budget_usd: '5', budget_period: 'month', rpm: '', tpm: '' }),
    });
    expect(r.status).toBe(200);
    const html = await r.text();
    return (/<p class="saved" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? '').replaceAll('&#x27;', "'");
  }

  test('on the page shown: "Created team …"', async () => {
    expect(await create('alpha')).toBe("Created team 'alpha'.");
  });

  test('past the page shown: it says so, and how to find it', async () => {
    expect(await create('zeta')).toBe("Created team 'zeta'. It is not on this page of the list: Find team finds it by name.");
  });
});
