/**
 * A team's row on the Teams page names its keys. A key revoked on the Clients page stays in its
 * team (its spend is the team's), and the row went on naming it like the keys that still call:
 * it now says "(revoked)" beside it, for admins and viewers alike.
 */
import { describe, expect, test } from 'bun:test';
import { createClient, revokeClient, updateClient } from '../../src/admin/clients-service';
import { createTeam } from '../../src/admin/teams-service';
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
