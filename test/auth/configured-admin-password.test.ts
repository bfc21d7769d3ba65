/**
 * LLM_PROXY__ADMIN__PASSWORD meets the rule of every other password (POST /api/users, a password
 * change): it becomes admin's password with no change asked at sign-in, so a weak one stops the
 * first start with a fix-it line instead of guarding the dashboard. Read only when the admin is
 * created: a database that has users starts whatever the variable holds.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPasswordPolicy } from '../../src/auth/passwords';
import { ConfigError } from '../../src/config/env-readers';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { users } from '../../src/db/schema';
import { seedDatabase } from '../../src/db/seed/seed';
import { startGatewayProcess } from '../helpers/gateway-process';

// Spawns bun and hashes passwords: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const MAIN = join(import.meta.dir, '../../src/main.ts');
const fresh = () => {
  const { db } = openDatabase(join(mkdtempSync(join(tmpdir(), 'gg-adminpw-')), 'gg.db'));
  runMigrations(db);
  return db;
};

test('what POST /api/users refuses is refused as the first admin password, and nothing is created', () => {
  for (const [password, why] of [
    ['a', 'at least 12 characters'],
    ['short-pass', 'at least 12 characters'],
    ['admin123', 'default password'],
    ['password1234', 'too common'],
    ['zzzzzzzzzzzzzzzz', 'too common'],
  ] as const) {
    const db = fresh();
    let thrown: unknown;
    try {
      seedDatabase(db, { adminPassword: password });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('LLM_PROXY__ADMIN__PASSWORD is refused');
    expect((thrown as Error).message).toContain(why);
    expect(db.select().from(users).all()).toEqual([]);
    // The rule POST /api/users applies refuses it with the same words.
    expect(() => checkPasswordPolicy(password, 'password', 'admin')).toThrow(why);
  }
  // A good one: admin, no change asked (the operator chose it).
  const db = fresh();
  seedDatabase(db, { adminPassword: 'correct horse battery' });
  expect(db.select().from(users).get()).toMatchObject({ username: 'admin', mustChangePassword: false });
  // A database with users: the variable is not read, so a weak value does not stop the start.
  expect(seedDatabase(db, { adminPassword: 'a' }).adminCreated).toBe(false);
});

test('the real process: a 1-character password stops the first start with one line; a good one then starts', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-adminpw-proc-'));
  const dbPath = join(cwd, 'gg.db');
  // A process that does start (the check gone) is killed rather than left to hang the test.
  const p = Bun.spawnSync(['bun', MAIN], {
    cwd, timeout: 30_000,
    env: {
      PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0',
      LLM_PROXY__DATABASE__PATH: dbPath, LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32), LLM_PROXY__ADMIN__PASSWORD: 'x',
    },
  });
  const err = p.stderr.toString();
  expect(p.exitCode).toBe(1);
  const line = err.split('\n').find((l) => l.includes('LLM_PROXY__ADMIN__PASSWORD'));
  expect(line).toStartWith('gophergate: LLM_PROXY__ADMIN__PASSWORD is refused: The password must be at least 12 characters.');
  expect(line).toContain('leave it unset');
  expect(err).not.toContain('    at ');
  expect(p.stdout.toString()).not.toContain('listening on');

  // Fixed: the same database starts, and admin signs in with the password, no change asked.
  const gw = await startGatewayProcess({ cwd, dbPath, adminPassword: 'a-better-first-password' });
  try {
    const r = await fetch(`${gw.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'a-better-first-password' }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { must_change_password: boolean }).must_change_password).toBe(false);
  } finally {
    gw.proc.kill();
    await gw.proc.exited;
  }
});

test('--reset-admin still works on a new database while the variable holds a weak password', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-adminpw-reset-'));
  const p = Bun.spawnSync(['bun', MAIN, '--reset-admin'], {
    cwd, timeout: 30_000,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__DATABASE__PATH: join(cwd, 'gg.db'), LLM_PROXY__ADMIN__PASSWORD: 'x' },
  });
  expect({ code: p.exitCode, err: p.stderr.toString() }).toEqual({ code: 0, err: expect.not.stringContaining('LLM_PROXY__ADMIN__PASSWORD') });
  const { db } = openDatabase(join(cwd, 'gg.db'));
  const admin = db.select().from(users).get()!;
  expect(admin.mustChangePassword).toBe(true);
  expect(Bun.password.verifySync('admin123', admin.passwordHash)).toBe(true);
});

test('a password ending in a newline (a secret made from a file): admin signs in with what was typed; a trailing space stays part of it', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-adminpw-newline-'));
  const typed = 'a pass phrase ending in a space ';
  const gw = await startGatewayProcess({ cwd, dbPath: join(cwd, 'gg.db'), adminPassword: `${typed}\r\n` });
  const login = (password: string) =>
    fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  try {
    const ok = await login(typed);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { must_change_password: boolean }).must_change_password).toBe(false);
    expect((await login(typed.trimEnd())).status).toBe(401);
    expect((await login(`${typed}\n`)).status).toBe(401);
  } finally {
    gw.proc.kill();
    await gw.proc.exited;
  }
});
