/**
 * "Never the last admin" holds when two admins act at the same moment: each demoting or
 * deleting the other (over real HTTP, at once) must leave one admin, on SQLite and on
 * PostgreSQL (where the two requests run on separate connections and each alone saw another
 * admin). Before, PostgreSQL ended with no admin at all.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { listUsers } from '../../src/admin/users-service';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

// Rounds of sign-ins (password hashing) and concurrent requests: 2-3 s on a quiet machine, past 5 s on a
// loaded one (the tests then overlapped). A limit only bounds a hang.
setDefaultTimeout(30_000);

const ROUNDS = 6;

function raceSuite(store: string, env: () => Record<string, string>) {
  describe(`two admins removing each other at once (${store})`, () => {
    let gw: TestGateway;
    let root: Session;
    beforeAll(async () => {
      gw = await startGateway({ env: env() });
      root = await login(gw, 'admin', ADMIN_PASSWORD);
      // `admin` steps down, so only the racing pair are admins.
      const a = await json(await api(gw, 'POST', '/api/users', { as: root, body: { username: 'ava', password: 'ava-password-123', role: 'admin' } }));
      expect(a.role).toBe('admin');
      const ava = await login(gw, 'ava', 'ava-password-123');
      const me = (await json(await api(gw, 'GET', '/api/auth/me', { as: root }))).user;
      expect((await api(gw, 'PATCH', `/api/users/${me.id}`, { as: ava, body: { role: 'viewer' } })).status).toBe(200);
    });
    afterAll(async () => gw?.close());

    const admins = async () => (await listUsers(gw.ctx.db)).filter((u) => u.role === 'admin').map((u) => u.username);

    for (const [label, second] of [['demote and demote', 'PATCH'], ['demote and delete', 'DELETE']] as const) {
      test(`${label}: one admin is left every time`, async () => {
        for (let i = 0; i < ROUNDS; i++) {
          // The admin of the previous round and a fresh one race.
          const [keeper] = await admins();
          const kept = await login(gw, keeper!, keeper === 'ava' ? 'ava-password-123' : 'racer-password-123');
          const other = await json(await api(gw, 'POST', '/api/users', { as: kept, body: { username: `${label.replaceAll(' ', '')}${i}`, password: 'racer-password-123', role: 'admin' } }));
          const otherSession = await login(gw, other.username, 'racer-password-123');
          const keeperId = (await json(await api(gw, 'GET', '/api/auth/me', { as: kept }))).user.id;
          const answers = await Promise.all([
            api(gw, 'PATCH', `/api/users/${other.id}`, { as: kept, body: { role: 'viewer' } }),
            second === 'PATCH'
              ? api(gw, 'PATCH', `/api/users/${keeperId}`, { as: otherSession, body: { role: 'viewer' } })
              : api(gw, 'DELETE', `/api/users/${keeperId}`, { as: otherSession }),
          ]);
          const left = await admins();
          expect({ round: i, left: left.length }).toEqual({ round: i, left: 1 });
          // One change went through; the other was refused (409 last_admin, or 401/403 when its
          // own session was demoted or deleted first), never a 500.
          const statuses = answers.map((r) => r.status);
          expect(statuses.filter((s) => s === 200)).toHaveLength(1);
          for (const s of statuses) expect([200, 401, 403, 409]).toContain(s);
        }
      });
    }
  });
}

raceSuite('SQLite', () => ({}));

let pg: TestDatabase;
beforeAll(async () => (pg = await createTestDatabase()));
afterAll(async () => pg?.drop());
raceSuite('PostgreSQL', () => ({ LLM_PROXY__DATABASE__URL: pg.url }));
