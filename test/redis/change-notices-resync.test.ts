/** A change notice missed while an instance was cut off from Redis: it reloads when Redis is back. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, json, login } from '../helpers/admin-harness';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
const dir = mkdtempSync(join(tmpdir(), 'gophergate-resync-'));
let proxy: TcpProxy;
let A: TestGateway;
let B: TestGateway;

beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
  const db = { LLM_PROXY__DATABASE__PATH: join(dir, 'shared.db'), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' };
  A = await startGateway({ env: { ...redisEnv(prefix), ...db } });
  B = await startGateway({ env: { ...redisEnv(prefix, proxy.url), ...db } });
});
afterAll(async () => {
  await A?.close();
  await B?.close();
  proxy?.close();
  rmSync(dir, { recursive: true, force: true });
  await deleteKeys(prefix);
});

const chatOn = (gw: TestGateway, key: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
  });

test('a key revoked on A while B was cut off is refused by B once Redis is back', async () => {
  const admin = await login(A, 'admin', 'test-admin-password');
  const created = await json(await api(A, 'POST', '/api/clients', { as: admin, body: { name: 'resync-key' } }));
  expect(await eventually(async () => (await chatOn(B, created.key)).status === 200, 10_000)).toBe(true);

  proxy.cut();
  expect(await eventually(() => B.ctx.redis!.status() === 'down')).toBe(true);
  expect((await api(A, 'DELETE', `/api/clients/${created.id}`, { as: admin })).status).toBe(200);
  // B missed the notice (and does not poll the database in tests): still served from its snapshot.
  expect((await chatOn(B, created.key)).status).toBe(200);

  proxy.restore();
  expect(await eventually(async () => (await chatOn(B, created.key)).status === 401, 5_000)).toBe(true);
});
