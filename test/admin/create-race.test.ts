/**
 * Two admins creating the same name at the same moment: the one that loses gets the route's 409,
 * whether the service saw the name taken or the database's unique constraint refused the insert
 * (SQLite and PostgreSQL). Several identical creates at once over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { api, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

const RACERS = 6;

const CREATES: [label: string, path: string, body: Record<string, unknown>, code: string][] = [
  ['team', '/api/teams', { name: 'race-team' }, 'team_exists'],
  ['user', '/api/users', { username: 'race-user', password: 'race-user-password-1', role: 'viewer' }, 'username_taken'],
  ['group', '/api/groups', { name: 'race-group', strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'] }, 'group_exists'],
  ['model', '/api/models', { id: 'race-model', provider: 'openai', upstream_id: 'gpt-4o', input_price: 1, output_price: 2 }, 'model_exists'],
];

function raceSuite(store: string, env: () => Record<string, string>) {
  describe(`identical creates at once (${store})`, () => {
    let gw: TestGateway;
    let admin: Session;
    beforeAll(async () => {
      gw = await startGateway({ env: env() });
      admin = await login(gw, 'admin', ADMIN_PASSWORD);
    });
    afterAll(async () => gw?.close());

    for (const [label, path, body, code] of CREATES) {
      test(`${label}: one 201, the others 409 ${code}`, async () => {
        const answers = await Promise.all(Array.from({ length: RACERS }, () => api(gw, 'POST', path, { as: admin, body })));
        const bodies = await Promise.all(answers.map((r) => r.json() as Promise<any>));
        const statuses = answers.map((r) => r.status).sort();
        expect(statuses).toEqual([201, ...Array(RACERS - 1).fill(409)]);
        for (const [i, r] of answers.entries()) if (r.status === 409) expect(bodies[i].error.code).toBe(code);
      });
    }

    test('team: names that differ only by case or spaces, created at once: one 201, the others 409 team_exists', async () => {
      const names = ['Race-Case', 'race-case', 'RACE-CASE', ' race-Case', 'Race-case ', 'rACE-cASE'];
      const answers = await Promise.all(names.map((name) => api(gw, 'POST', '/api/teams', { as: admin, body: { name } })));
      const bodies = await Promise.all(answers.map((r) => r.json() as Promise<any>));
      expect(answers.map((r) => r.status).sort()).toEqual([201, ...Array(names.length - 1).fill(409)]);
      for (const [i, r] of answers.entries()) if (r.status === 409) expect(bodies[i].error.code).toBe('team_exists');
    });

    test('team rename: two teams renamed to one name at once, one 200, one 409 team_exists', async () => {
      const ids = await Promise.all(['rename-a', 'rename-b'].map(async (name) => ((await (await api(gw, 'POST', '/api/teams', { as: admin, body: { name } })).json()) as any).id));
      const answers = await Promise.all(ids.map((id) => api(gw, 'PATCH', `/api/teams/${id}`, { as: admin, body: { name: 'renamed-to-one' } })));
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    });
  });
}

raceSuite('SQLite', () => ({}));

let pg: TestDatabase;
beforeAll(async () => (pg = await createTestDatabase()));
afterAll(async () => pg?.drop());
raceSuite('PostgreSQL', () => ({ LLM_PROXY__DATABASE__URL: pg.url }));
