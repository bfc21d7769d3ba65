/**
 * The dashboard's pickers on PostgreSQL (admin/name-lookups.ts): prefix matches by name_key with
 * LIKE's own `%` and `_` taken literally, a typed name read back to its team or key, as on SQLite.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { clientChoices, clientIdByName, teamChoices, teamIdByName } from '../../src/admin/name-lookups';
import { createClient } from '../../src/admin/clients-service';
import { createTeam, listTeams } from '../../src/admin/teams-service';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

describe('name lookups on PostgreSQL', () => {
  let db: TestDatabase;
  let gw: TestGateway;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    gw = await startGateway({ env: { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'pg-lookups-1' } });
    for (const name of ['Research', 'research_eu', 'researchXeu', 'res%', 'Zeta']) ids[name] = (await createTeam(gw.ctx, { name })).id;
    for (const name of ['Billing', 'billing', 'batch-1']) ids[`c:${name}`] = (await createClient(gw.ctx, name)).id;
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  test('teams by the start of their name, any case, wildcards literal', async () => {
    expect((await teamChoices(gw.ctx, 'RES', 20)).map((t) => t.name)).toEqual(['Research', 'res%', 'researchXeu', 'research_eu']);
    expect((await teamChoices(gw.ctx, 'research_', 20)).map((t) => t.name)).toEqual(['research_eu']);
    expect((await teamChoices(gw.ctx, 'res%', 20)).map((t) => t.name)).toEqual(['res%']);
    expect((await listTeams(gw.ctx, { prefix: 'research', limit: 2 })).map((t) => t.name)).toEqual(['Research', 'researchXeu']);
  });

  test('a typed name back to its team or key', async () => {
    expect(await teamIdByName(gw.ctx, ' research ', 'team')).toBe(ids.Research!);
    expect(await teamIdByName(gw.ctx, '', 'team')).toBe(null);
    await expect(teamIdByName(gw.ctx, 'nope', 'team')).rejects.toThrow("No team is named 'nope'");
    expect(await clientIdByName(gw.ctx, 'Billing', 'client')).toBe(ids['c:Billing']!);
    expect(await clientIdByName(gw.ctx, 'BATCH-1', 'client')).toBe(ids['c:batch-1']!);
    await expect(clientIdByName(gw.ctx, 'BILLING', 'client')).rejects.toThrow('Several client keys');
    expect((await clientChoices(gw.ctx, 'bil', 20)).map((c) => c.name)).toEqual(['Billing', 'billing']);
  });
});
