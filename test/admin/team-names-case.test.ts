/**
 * Team names are unique case-insensitively after trimming ("Research" and "research " name one
 * team): a create or rename to such a name is refused with 409 `team_exists`, on SQLite and on
 * PostgreSQL. Teams an earlier release let in under such names survive the upgrade unchanged and
 * keep working; no new team may join them.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillTeamNameKeys } from '../../src/admin/team-name-key';
import { api, json, login, useAdminGatewayOn, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { insertPgRows, insertSqliteRows, migrateSqliteBefore, upgradePgOver } from '../helpers/migrate-before';
import { createTestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const MIGRATION = 'team_name_key';

async function expectTeamExists(r: Response) {
  expect(r.status).toBe(409);
  expect((await json(r)).error).toMatchObject({ type: 'invalid_request_error', code: 'team_exists', param: 'name' });
}

describe.each(['sqlite', 'postgres'] as const)('team names on %s', (dialect) => {
  let gw: TestGateway;
  let admin: Session;
  useAdminGatewayOn(dialect, 'gg_teamnames', (s) => ({ gw, admin } = s));

  test('a name differing only by case or surrounding spaces is refused with 409 team_exists, on create and on rename', async () => {
    const made = await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Research' } });
    expect(made.status).toBe(201);
    expect((await json(made)).name).toBe('Research');
    for (const name of ['research ', ' RESEARCH', 'research', 'Research']) await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name } }));
    // Non-ASCII letters fold too, by Unicode's case folding on either store.
    expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Équipe' } })).status).toBe(201);
    await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'équipe' } }));

    const other = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'Ops' } }));
    await expectTeamExists(await api(gw, 'PATCH', `/api/teams/${other.id}`, { as: admin, body: { name: 'RESEARCH ' } }));
    // A team may change the case of its own name; the old spelling is then free for nobody else.
    const self = await api(gw, 'PATCH', `/api/teams/${other.id}`, { as: admin, body: { name: 'OPS' } });
    expect(self.status).toBe(200);
    expect((await json(self)).name).toBe('OPS');
    await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'ops' } }));
    const names = ((await json(await api(gw, 'GET', '/api/teams', { as: admin }))).data as any[]).map((t) => t.name);
    expect(names.sort()).toEqual(['OPS', 'Research', 'Équipe'].sort());
  });
});

/** An upgraded database's teams that differ only by case or spaces: listed, read, changed; none added. */
async function expectLegacyTeamsWork(gw: TestGateway) {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const list = (await json(await api(gw, 'GET', '/api/teams', { as: admin }))).data as any[];
  expect(list.map((t) => [t.id, t.name])).toEqual([[1, 'Research'], [3, 'Research '], [2, 'research']]);
  for (const t of list) {
    const r = await api(gw, 'PATCH', `/api/teams/${t.id}`, { as: admin, body: { rpm: 10 + t.id } });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ id: t.id, name: t.name, rpm: 10 + t.id });
    // The dashboard's team form sends the name with every change: its own name is no clash.
    const again = await api(gw, 'PATCH', `/api/teams/${t.id}`, { as: admin, body: { name: t.name, tpm: 1000 + t.id } });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id: t.id, name: t.name, tpm: 1000 + t.id });
  }
  await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'RESEARCH' } }));
  // Renaming one of the pair away frees nothing the other still holds.
  expect((await api(gw, 'PATCH', '/api/teams/1', { as: admin, body: { name: 'Research A' } })).status).toBe(200);
  await expectTeamExists(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'RESEARCH' } }));
  await expectTeamExists(await api(gw, 'PATCH', '/api/teams/2', { as: admin, body: { name: 'research a' } }));
  expect((await api(gw, 'PATCH', '/api/teams/2', { as: admin, body: { name: 'Research B' } })).status).toBe(200);
}

// Ids 1, 2, 3 from the store's own sequence (an explicit id would leave PostgreSQL's behind).
const OLD_TEAMS = [['Research', 1, 1], ['research', 1, 1], ['Research ', 1, 1]];
const TEAM_COLUMNS = ['name', 'created_at', 'updated_at'];

test('upgrade on SQLite: teams whose names differ only by case or spaces survive the migration and keep working', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gg-team-names-'));
  const path = join(dir, 'gophergate.db');
  const lite = new Database(path);
  migrateSqliteBefore(lite, MIGRATION);
  insertSqliteRows(lite, 'teams', TEAM_COLUMNS, OLD_TEAMS);
  lite.close();
  const gw = await startGateway({ env: { LLM_PROXY__DATABASE__PATH: path } });
  try {
    // What every start prints while the twins remain: the younger two, by id and name.
    const warnings = await fillTeamNameKeys(gw.ctx.db);
    expect(warnings.length).toBe(2);
    expect(warnings[0]).toContain("team 2 ('research') has the name of an older team up to case or spaces");
    expect(warnings[1]).toContain("team 3 ('Research ')");
    await expectLegacyTeamsWork(gw);
  } finally {
    await gw.close();
  }
});

test('upgrade on PostgreSQL: the same', async () => {
  const pg = await createTestDatabase('gg_teamnames_up');
  try {
    await upgradePgOver(pg.url, MIGRATION, (client) => insertPgRows(client, 'teams', TEAM_COLUMNS, OLD_TEAMS), ADMIN_PASSWORD);
    const gw = await startGateway({ env: { LLM_PROXY__DATABASE__URL: pg.url } });
    try {
      await expectLegacyTeamsWork(gw);
    } finally {
      await gw.close();
    }
  } finally {
    await pg.drop();
  }
});
