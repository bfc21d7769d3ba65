/** `gophergate --reset-admin` with LLM_PROXY__DATABASE__URL resets admin in PostgreSQL (no SQLite file appears). */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQL } from 'bun';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';

let db: TestDatabase;
beforeAll(async () => (db = await createTestDatabase()));
afterAll(async () => db?.drop());

test('--reset-admin on PostgreSQL: admin gets admin123 back with a forced change, token version bumped', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-cli-pg-'));
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__ADMIN__PASSWORD: 'chosen-password-1' };
  const first = Bun.spawnSync(['bun', join(import.meta.dir, '../../src/main.ts'), '--reset-admin'], { cwd, env, timeout: 50_000 });
  expect({ code: first.exitCode, err: first.stderr.toString() }).toEqual({ code: 0, err: expect.any(String) });
  expect(first.stdout.toString()).toContain("user 'admin' in PostgreSQL");
  expect(existsSync(join(cwd, 'data', 'gophergate.db'))).toBe(false);
  const sql = new SQL(db.url);
  try {
    const [admin] = await sql`SELECT password_hash, must_change_password, token_version FROM users WHERE username = 'admin'`;
    expect(admin.must_change_password).toBe(true);
    expect(Number(admin.token_version)).toBe(1);
    expect(await Bun.password.verify('admin123', admin.password_hash)).toBe(true);
  } finally {
    await sql.close();
  }
}, 60_000);
