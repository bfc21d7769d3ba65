/**
 * `gophergate --reset-admin` run beside instances that serve (PostgreSQL and Redis, as an operator
 * locked out of a cluster runs it on one host): the admin sessions it signs out are refused by the
 * running instances at once. The CLI tells them through Redis, as a sign-out made through an
 * instance does; before, each served the session from its 5 s cache (here a clock that stands
 * still: for as long as that cache lasts).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const prefix = randomPrefix();
let dir: string;
let db: TestDatabase;
let gw: TestGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-reset-running-'));
  db = await createTestDatabase('gg_reset_running');
  const now = Date.now();
  gw = await startGateway({ authClock: () => now, env: { LLM_PROXY__DATABASE__URL: db.url, ...redisEnv(prefix) } });
});
afterAll(async () => {
  await gw?.close();
  await db?.drop();
  await deleteKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
});

test('--reset-admin with the instances running: their cached admin session is refused on the next request', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  expect((await api(gw, 'GET', '/api/auth/me', { as: admin })).status).toBe(200); // cached by the instance
  // Not spawnSync: the instance in this process keeps serving (and holding what it holds) meanwhile.
  const cli = Bun.spawn(['bun', join(import.meta.dir, '../../src/main.ts'), '--reset-admin'], {
    cwd: dir,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__DATABASE__URL: db.url, ...redisEnv(prefix) },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 50_000,
  });
  const [code, out, err] = await Promise.all([cli.exited, new Response(cli.stdout).text(), new Response(cli.stderr).text()]);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  expect(out).toContain('Existing admin sessions were signed out');
  // The notice travels through Redis: in force within moments (never, before, with this clock).
  expect(await eventually(async () => (await api(gw, 'GET', '/api/auth/me', { as: admin })).status === 401, 3_000)).toBe(true);
});
