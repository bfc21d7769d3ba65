/**
 * An instance on PostgreSQL started without LLM_PROXY__REDIS__URL counts every limit alone: in a
 * deployment whose other instances share the database, it gives a key its whole limit again. Its
 * start says so (one line, naming the setting); one with Redis, and one on SQLite, say nothing of it.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

const WARNING = 'PostgreSQL without LLM_PROXY__REDIS__URL';
let db: TestDatabase;
let redis: OwnRedis;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('gg_pg_without_redis');
  redis = await startOwnRedis();
  dir = mkdtempSync(join(tmpdir(), 'gg-pg-without-redis-'));
});

afterAll(async () => {
  await db?.drop();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a start printed up to its sign-in hint (the last start line), then stopped. */
async function startOutput(env: Record<string, string>): Promise<string> {
  const p = await startGatewayProcess({ cwd: dir, dbPath: join(dir, 'gw.db'), adminPassword: 'pg-without-redis-admin', env });
  p.proc.kill('SIGTERM');
  return p.outAtExit();
}

test('PostgreSQL without Redis: the start warns that limits are this instance\'s own', async () => {
  const out = await startOutput({ LLM_PROXY__DATABASE__URL: db.url });
  expect(out).toContain(WARNING);
  expect(out).toContain('each allows a key its whole limit');
});

test('PostgreSQL with Redis, and SQLite: no such warning', async () => {
  expect(await startOutput({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__REDIS__URL: redis.url })).not.toContain(WARNING);
  expect(await startOutput({})).not.toContain(WARNING);
});
