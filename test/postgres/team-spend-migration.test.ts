/**
 * The team a row was admitted under (request_logs.team_id, usage_team_daily: migration 0013 on
 * SQLite, 0005 on PostgreSQL): an existing database's history, which carries no team, counts for
 * the team each key is in at the upgrade (what team budgets read before it), so a team's spend in
 * the current period does not drop to zero on upgrade; keys in no team add nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { SQL } from 'bun';
import { runMigrations } from '../../src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { insertPgRows, insertSqliteRows, migrateSqliteBefore, upgradePgOver } from '../helpers/migrate-before';

const MIGRATION = 'team_spend';
const DAY = 86_400_000;
const D1 = Date.UTC(2026, 2, 9);
const TEAMS = [[1, 'red', 1, 1], [2, 'blue', 1, 1]];
const CLIENTS = [[5, 'a', 'h5', 'gg-5', 1, 1], [6, 'b', 'h6', 'gg-6', 1, 2], [7, 'c', 'h7', 'gg-7', 1, null], [8, 'd', 'h8', 'gg-8', 1, 1]];
const CLIENT_DAILY = [[D1, 5, 2, 0.25], [D1, 6, 1, 0.5], [D1 + DAY, 5, 1, 0.125], [D1 + DAY, 7, 3, 4], [D1 + DAY, 8, 1, 1]];
const EXPECTED = [
  { day: D1, team_id: 1, requests: 2, cost_usd: 0.25 },
  { day: D1, team_id: 2, requests: 1, cost_usd: 0.5 },
  { day: D1 + DAY, team_id: 1, requests: 2, cost_usd: 1.125 },
];
const fill = {
  teams: ['id', 'name', 'created_at', 'updated_at'],
  clients: ['id', 'name', 'key_hash', 'key_prefix', 'created_at', 'team_id'],
  usage_client_daily: ['day', 'client_id', 'requests', 'cost_usd'],
};
const READ = 'SELECT day, team_id, requests, cost_usd FROM usage_team_daily ORDER BY day, team_id';

test('SQLite: the history of keys in a team is that team\'s', () => {
  const lite = new Database(':memory:');
  const db = migrateSqliteBefore(lite, MIGRATION);
  insertSqliteRows(lite, 'teams', fill.teams, TEAMS);
  insertSqliteRows(lite, 'clients', fill.clients, CLIENTS);
  insertSqliteRows(lite, 'usage_client_daily', fill.usage_client_daily, CLIENT_DAILY);
  runMigrations(db);
  expect(lite.query(READ).all()).toEqual(EXPECTED);
  expect(lite.query("SELECT count(*) AS n FROM pragma_table_info('request_logs') WHERE name = 'team_id'").get()).toEqual({ n: 1 });
  lite.close();
});

describe('PostgreSQL', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(async () => pg?.drop());

  test('the history of keys in a team is that team\'s', async () => {
    await upgradePgOver(pg.url, MIGRATION, async (client) => {
      await insertPgRows(client, 'teams', fill.teams, TEAMS);
      await insertPgRows(client, 'clients', fill.clients, CLIENTS);
      await insertPgRows(client, 'usage_client_daily', fill.usage_client_daily, CLIENT_DAILY);
    }, 'pw-team-spend');
    const sql = new SQL(pg.url);
    try {
      const rows = await sql.unsafe(READ);
      expect(rows.map((r: any) => ({ day: Number(r.day), team_id: Number(r.team_id), requests: Number(r.requests), cost_usd: Number(r.cost_usd) }))).toEqual(EXPECTED);
    } finally {
      await sql.close();
    }
  });
});
