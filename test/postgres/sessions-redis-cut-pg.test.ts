/**
 * Two instances on one PostgreSQL database and one Redis, B's link to Redis cut (a loopback TCP
 * proxy): B cannot hear A's change notices meanwhile, so it reads the session row on every request
 * as an instance without Redis does. Before, B trusted its 5 s session cache while Redis was down
 * as if notices still reached it: a session signed out (or a password changed) on A kept working
 * on B for up to 5 s. Once Redis is back, B's cache serves again.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, json, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(60_000);

const prefix = randomPrefix();
let pg: TestDatabase;
let proxy: TcpProxy;
let a: TestGateway;
let b: TestGateway;
let root: Session;

beforeAll(async () => {
  pg = await createTestDatabase('gg_sessions_cut');
  proxy = await startTcpProxy('127.0.0.1', 6379);
  const env = { LLM_PROXY__DATABASE__URL: pg.url, LLM_PROXY__ENCRYPTION_KEY: '0f'.repeat(32) };
  a = await startGateway({ env: { ...env, ...redisEnv(prefix) } });
  b = await startGateway({ env: { ...env, ...redisEnv(prefix, proxy.url) } });
  root = await login(a, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  proxy?.restore();
  await a?.close();
  await b?.close();
  proxy?.close();
  await pg?.drop();
  await deleteKeys(prefix);
});

/** A new user with a session made on A and already used (so cached) on B. */
async function userSeenOnB(username: string): Promise<Session> {
  expect((await api(a, 'POST', '/api/users', { as: root, body: { username, password: `${username}-password-1`, role: 'viewer' } })).status).toBe(201);
  const s = await login(a, username, `${username}-password-1`);
  expect((await api(b, 'GET', '/api/auth/me', { as: s })).status).toBe(200);
  return s;
}

test("B cut off from Redis: a sign-out and a password change on A are refused by B on its next request, not after B's cache", async () => {
  const out = await userSeenOnB('cut-olga');
  const changed = await userSeenOnB('cut-pavel');
  proxy.cut();
  expect(await eventually(() => b.ctx.redis!.status() === 'down', 10_000)).toBe(true);

  expect((await api(a, 'POST', '/api/auth/logout', { as: out })).status).toBe(200);
  expect((await api(b, 'GET', '/api/auth/me', { as: out })).status).toBe(401);

  const r = await api(a, 'POST', '/api/auth/change-password', { as: changed, body: { current_password: 'cut-pavel-password-1', new_password: 'cut-pavel-new-password-2' } });
  expect(r.status).toBe(200);
  expect((await api(b, 'GET', '/api/auth/me', { as: changed })).status).toBe(401);

  proxy.restore();
  expect(await eventually(() => b.ctx.redis!.status() === 'ok', 10_000)).toBe(true);
  // Back on notices: a sign-out on A is still refused by B at once.
  const later = await userSeenOnB('cut-rita');
  expect((await api(a, 'POST', '/api/auth/logout', { as: later })).status).toBe(200);
  // Within B's 5 s session cache, so only the notice can make it 401.
  expect(await eventually(async () => (await api(b, 'GET', '/api/auth/me', { as: later })).status === 401, 4_000, 25)).toBe(true);
  expect((await json(await api(b, 'GET', '/api/auth/me', { as: root }))).user.username).toBe('admin');
});
