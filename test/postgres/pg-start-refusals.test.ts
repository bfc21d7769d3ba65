/**
 * A PostgreSQL that answers but refuses (no such database, no such role): the start's one line says
 * what to do about it, not "check that the server is up" (it is up: it answered). And one holding
 * provider keys, started without the key they were stored under.
 */
import { expect, test } from 'bun:test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { migratePg } from '../../src/db/pg-store';
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

test('no encryption key and no key file, on a database holding a stored provider key: refused in one line naming it (no key generated)', async () => {
  const db = await createTestDatabase();
  const cwd = mkdtempSync(join(tmpdir(), 'gg-pg-lost-key-'));
  try {
    await migratePg(db.url);
    const sql = new SQL({ url: db.url, max: 1 });
    await sql.unsafe("INSERT INTO provider_keys (provider, key_encrypted, key_last4, label, weight, created_at) VALUES ('openai', 'c2VhbGVkLXVuZGVyLWFub3RoZXIta2V5LXh4eHh4eHh4', 'xxxx', 'pool', 1, 0)");
    await sql.close();
    const run = async (args: string[] = []) => {
      const p = Bun.spawn(['bun', MAIN, ...args], {
        cwd,
        env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0', LLM_PROXY__DATABASE__URL: db.url },
        stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', timeout: 20_000,
      });
      const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
      return { err, code };
    };
    const { err, code } = await run();
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(`no encryption key for the PostgreSQL database ${db.url}, which holds 1 stored provider key(s)`);
    expect(err).toContain(`Put back the encryption.key that belongs with this database at ${join(cwd, 'data', 'encryption.key')}, or set LLM_PROXY__ENCRYPTION_KEY`);
    expect(existsSync(join(cwd, 'data', 'encryption.key'))).toBe(false);
    // --reset-admin needs no key: it works, and generates none.
    expect((await run(['--reset-admin'])).code).toBe(0);
    expect(existsSync(join(cwd, 'data', 'encryption.key'))).toBe(false);
  } finally {
    await db.drop();
  }
}, 60_000);
