/**
 * Two instances on one PostgreSQL database without Redis (no change notices between them):
 * a sign-out, password change, demotion or deletion made through one instance holds on the
 * other from its very next request, although that instance had just served (and cached) the
 * session. Before, the other instance honoured the old session for up to 5 s.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, json, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let pg: TestDatabase;
let a: TestGateway;
let b: TestGateway;
let root: Session;

beforeAll(async () => {
  pg = await createTestDatabase();
  const env = { LLM_PROXY__DATABASE__URL: pg.url, LLM_PROXY__ENCRYPTION_KEY: '0f'.repeat(32) };
  a = await startGateway({ env });
  b = await startGateway({ env });
  root = await login(a, 'admin', ADMIN_PASSWORD);
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await pg?.drop();
});

/** A new user with a session made on A and already used (so cached) on B. */
async function userSeenOnB(username: string, role: 'admin' | 'viewer'): Promise<{ id: number; s: Session }> {
  const u = await json(await api(a, 'POST', '/api/users', { as: root, body: { username, password: `${username}-password-1`, role } }));
  const s = await login(a, username, `${username}-password-1`);
  expect((await api(b, 'GET', '/api/auth/me', { as: s })).status).toBe(200);
  expect((await api(b, 'GET', '/api/auth/me', { as: s, via: 'cookie' })).status).toBe(200);
  return { id: u.id, s };
}

describe('a session ended on one instance, without Redis', () => {
  test('signed out on A: B refuses it on the next request', async () => {
    const { s } = await userSeenOnB('olga', 'viewer');
    expect((await api(a, 'POST', '/api/auth/logout', { as: s })).status).toBe(200);
    expect((await api(b, 'GET', '/api/auth/me', { as: s })).status).toBe(401);
    const page = await fetch(`${b.url}/logs`, { headers: { cookie: s.cookie }, redirect: 'manual' });
    expect(page.headers.get('location')).toBe('/login');
  });

  test('password changed on A: the old session is refused by B on the next request', async () => {
    const { s } = await userSeenOnB('pavel', 'viewer');
    const r = await api(a, 'POST', '/api/auth/change-password', { as: s, body: { current_password: 'pavel-password-1', new_password: 'pavel-new-password-2' } });
    expect(r.status).toBe(200);
    expect((await api(b, 'GET', '/api/auth/me', { as: s })).status).toBe(401);
  });

  test('demoted on A: B refuses the next change as a viewer', async () => {
    const { id, s } = await userSeenOnB('rita', 'admin');
    expect((await api(b, 'POST', '/api/teams', { as: s, body: { name: 'rita-team-1' } })).status).toBe(201);
    expect((await api(a, 'PATCH', `/api/users/${id}`, { as: root, body: { role: 'viewer' } })).status).toBe(200);
    expect((await api(b, 'POST', '/api/teams', { as: s, body: { name: 'rita-team-2' } })).status).toBe(403);
  });

  test('deleted on A: B refuses the session on the next request', async () => {
    const { id, s } = await userSeenOnB('sven', 'viewer');
    expect((await api(a, 'DELETE', `/api/users/${id}`, { as: root })).status).toBe(200);
    expect((await api(b, 'GET', '/api/auth/me', { as: s })).status).toBe(401);
  });
});
