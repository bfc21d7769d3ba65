/**
 * Two instances on one PostgreSQL database started with different LLM_PROXY__ENCRYPTION_KEYs (the
 * README: every instance must share it). A provider key stored through B cannot be decrypted by A,
 * which then calls the provider without it. A says so once it reads the key (its snapshot poll), as
 * a start does for keys already stored; before, A said nothing and the dashboard alone showed it.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';

setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'unreadable-instances-admin-1';
let dir: string;
let db: TestDatabase;
let a: GatewayProcess | undefined;
let b: GatewayProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-unreadable-pg-'));
  db = await createTestDatabase('gg_unreadable_pg');
  const start = (id: string, key: string) =>
    startGatewayProcess({ cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: ADMIN_PASSWORD, env: { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id, LLM_PROXY__ENCRYPTION_KEY: key } });
  a = await start('gw-a', 'ab'.repeat(32));
  b = await start('gw-b', 'cd'.repeat(32));
});
afterAll(async () => {
  for (const p of [a, b]) p?.proc.kill('SIGKILL');
  await Promise.all([a?.proc.exited, b?.proc.exited]);
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('a pool key stored through B, under another encryption key: A warns once it reads it, naming the provider and the setting', async () => {
  const login = await fetch(`${b!.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const added = await fetch(`${b!.url}/api/providers/openai/keys`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ key: 'sk-pool-key-0123456789' }),
  });
  expect(added.status).toBe(201);
  const line = () => a!.out().split('\n').find((l) => l.includes('provider openai') && l.includes('cannot be decrypted'));
  expect(await eventually(() => line() !== undefined, 10_000)).toBe(true);
  expect(line()).toContain('LLM_PROXY__ENCRYPTION_KEY');
  expect(line()).toContain('every instance must share');
  // B, which can read it, says nothing; nor does A again for the same key.
  await Bun.sleep(1_500);
  expect(b!.out()).not.toContain('cannot be decrypted');
  expect(a!.out().split('\n').filter((l) => l.includes('cannot be decrypted'))).toHaveLength(1);
});
