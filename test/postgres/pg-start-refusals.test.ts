/**
 * A PostgreSQL that answers but refuses (no such database, no such role): the start's one line says
 * what to do about it, not "check that the server is up" (it is up: it answered).
 */
import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { createTestDatabase, databaseUrl, PG_SERVER_URL } from '../helpers/pg-database';

const MAIN = join(import.meta.dir, '../../src/main.ts');

function start(url: string, args: string[] = []) {
  const p = Bun.spawnSync(['bun', MAIN, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'gg-pg-refusal-')),
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0', LLM_PROXY__DATABASE__URL: url, LLM_PROXY__ENCRYPTION_KEY: '11'.repeat(32) },
    timeout: 20_000,
  });
  return { code: p.exitCode, err: p.stderr.toString() };
}

test('a database that does not exist: the line says to create it (createdb -O user db), for the start and --reset-admin', () => {
  const name = `gg_test_missing_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const url = databaseUrl(name);
  const user = decodeURIComponent(new URL(url).username);
  for (const args of [[], ['--reset-admin']]) {
    const r = start(url, args);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`database "${name}" does not exist`);
    expect(r.err).toContain(`create the database first (createdb -O ${user} ${name})`);
    expect(r.err).not.toContain('that the server is up');
    expect(r.err.trim().split('\n').length).toBe(1);
  }
}, 60_000);

test('a role that does not exist: the line points at the user and password of the URL', () => {
  const u = new URL(databaseUrl('postgres'));
  u.username = `gg_no_role_${crypto.randomUUID().replaceAll('-', '').slice(0, 8)}`;
  u.password = 'hunter2-secret';
  const r = start(u.toString());
  expect(r.code).toBe(1);
  expect(r.err).toContain('check the user and password in LLM_PROXY__DATABASE__URL');
  expect(r.err).not.toContain('hunter2-secret');
}, 60_000);

test('a user that may not create the tables: the line says it must be allowed to (createdb -O makes it the owner)', async () => {
  const db = await createTestDatabase();
  const role = `gg_test_role_${crypto.randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const admin = new SQL({ url: PG_SERVER_URL, max: 1 });
  await admin.unsafe(`CREATE ROLE "${role}" LOGIN`);
  try {
    const u = new URL(db.url);
    u.username = role;
    const r = start(u.toString());
    expect(r.code).toBe(1);
    expect(r.err).toContain(`the user must be allowed to create tables in the database (createdb -O ${role} ${db.name} makes it the owner)`);
  } finally {
    await db.drop();
    await admin.unsafe(`DROP ROLE IF EXISTS "${role}"`);
    await admin.close();
  }
}, 60_000);
