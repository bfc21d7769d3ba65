/**
 * Names match under Unicode's full case folding, in the uniqueness check and in every lookup
 * alike (README "Teams"): "Straße" and "STRASSE" are one team name, as are "ﬁnance" and "Finance",
 * and a team picker or filter finds the team by either spelling. Before, the check lower-cased
 * only (ß and ﬁ have no lower-case pair), so both teams were let in, and the pickers told them
 * apart by a rule nobody reads names by. Turkish dotted and dotless I stay their own letters, in
 * every locale. Databases keyed by the older rule are re-keyed at start; teams it let in under
 * one folded name keep working, as the case-only twins of an earlier release do.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillTeamNameKeys } from '../../src/admin/team-name-key';
import { api, json, login, useAdminGatewayOn, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

async function expectTeamExists(r: Response, name: string) {
  expect({ name, status: r.status }).toEqual({ name, status: 409 });
  expect((await json(r)).error).toMatchObject({ code: 'team_exists', param: 'name' });
}

const teamChoices = async (gw: TestGateway, as: Session, q: string): Promise<string[]> =>
  ((await (await fetch(`${gw.url}/teams/choices?q=${encodeURIComponent(q)}`, { headers: { cookie: as.cookie } })).json()) as any).data.map((c: any) => c.value);

/** What the Logs page's Team filter made of a typed name: the team it kept, or its refusal. */
async function logsTeamFilter(gw: TestGateway, as: Session, typed: string): Promise<string> {
  const html = await (await fetch(`${gw.url}/logs?team=${encodeURIComponent(typed)}`, { headers: { cookie: as.cookie } })).text();
  return html.includes('No team is named') ? 'refused' : 'found';
}

describe.each(['sqlite', 'postgres'] as const)('team names under case folding on %s', (dialect) => {
  let gw: TestGateway;
  let admin: Session;
  useAdminGatewayOn(dialect, 'gg_teamfold', (s) => ({ gw, admin } = s));

  test('ß, ẞ and ss, ﬁ and fi, final and medial sigma are one name: a second team is refused on create and rename', async () => {
    for (const name of ['Straße', 'ﬁnance', 'ΟΔΟΣ']) expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name } })).status).toBe(201);
    for (const name of ['STRASSE', 'strasse', 'STRAẞE', 'Finance', 'FINANCE', 'οδος', 'οδοσ'])
      await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name } }), name);
    const other = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Ops' } }));
    await expectTeamExists(await api(gw, 'PATCH', `/api/teams/${other.id}`, { as: admin, body: { name: 'STRASSE' } }), 'STRASSE');
  });

  test('Turkish İ and ı are letters of their own, the same in every locale', async () => {
    for (const name of ['İzmir', 'izmir', 'Irmak', 'ırmak']) expect({ name, status: (await api(gw, 'POST', '/api/teams', { as: admin, body: { name } })).status }).toEqual({ name, status: 201 });
    // "İ" folds to "i" with a combining dot above, as it is written in lower case.
    await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'i\u0307zmir' } }), 'i̇zmir');
    await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'IRMAK' } }), 'IRMAK');
  });

  test('invisible characters (zero-width space, soft hyphen, BOM) are no part of a name: a look-alike twin is refused, and so is a name of nothing else', async () => {
    expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Research' } })).status).toBe(201);
    for (const name of ['Research\u200b', '\u200bRESEARCH', 'Re\u00adsearch', 'Re\u2060search\ufeff'])
      await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name } }), JSON.stringify(name));
    for (const [path, name] of [['/api/teams', '\u200b'], ['/api/teams', ' \u200b\u00ad '], ['/api/clients', '\u200b\u200c']]) {
      const r = await api(gw, 'POST', path!, { as: admin, body: { name } });
      expect({ path, name, status: r.status }).toEqual({ path, name, status: 400 });
      expect((await json(r)).error).toMatchObject({ type: 'invalid_request_error', param: 'name', message: expect.stringContaining('must not be empty') });
    }
  });

  test('pickers and filters find a team by any spelling the check counts as its name', async () => {
    expect(await teamChoices(gw, admin, 'STRASS')).toEqual(['Straße']);
    expect(await teamChoices(gw, admin, 'strasse')).toEqual(['Straße']);
    expect(await teamChoices(gw, admin, 'FIN')).toEqual(['ﬁnance']);
    expect(await teamChoices(gw, admin, 'οδος')).toEqual(['ΟΔΟΣ']);
    expect(await teamChoices(gw, admin, 'ı')).toEqual(['ırmak']);
    for (const typed of ['strasse', 'STRASSE', 'FINANCE', 'οδοσ']) expect({ typed, got: await logsTeamFilter(gw, admin, typed) }).toEqual({ typed, got: 'found' });
    expect(await logsTeamFilter(gw, admin, 'Strase')).toBe('refused');
    // Client keys' names (not unique) are looked up by the same rule.
    const key = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'Straßen-Bot' } }));
    const clients = await (await fetch(`${gw.url}/clients/choices?q=STRASSEN`, { headers: { cookie: admin.cookie } })).json();
    expect((clients as any).data).toEqual([{ value: `Straßen-Bot (#${key.id})` }]);
  });
});

test('upgrade: keys of the older rule are re-keyed at start; teams it let in under one folded name keep working, the younger warned', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-team-fold-'));
  const path = join(dir, 'gophergate.db');
  const env = { LLM_PROXY__DATABASE__PATH: path };
  let gw = await startGateway({ env });
  let admin = await login(gw, 'admin', ADMIN_PASSWORD);
  for (const name of ['Straße', 'Weiß']) expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name } })).status).toBe(201);
  await gw.close();
  // What the older rule (trim, NFC, toLowerCase) stored, and the twin it let in beside 'Straße'.
  const lite = new Database(path);
  lite.run("update teams set name_key = 'straße' where name = 'Straße'");
  lite.run("update teams set name_key = 'weiß' where name = 'Weiß'");
  lite.run("insert into teams (name, name_key, created_at, updated_at) values ('STRASSE', 'strasse', 1, 1)");
  lite.close();

  gw = await startGateway({ env });
  try {
    admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const warnings = await fillTeamNameKeys(gw.ctx.db);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain("team 3 ('STRASSE') has the name of an older team up to case or spaces");
    await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'WEISS' } }), 'WEISS');
    await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'strasse' } }), 'strasse');
    for (const id of [1, 3]) expect((await api(gw, 'PATCH', `/api/teams/${id}`, { as: admin, body: { rpm: 5 } })).status).toBe(200);
    expect((await teamChoices(gw, admin, 'stras')).sort()).toEqual(['STRASSE', 'Straße']);
  } finally {
    await gw.close();
  }
});
