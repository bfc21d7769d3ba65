/**
 * A database moved or restored without its encryption.key (and no LLM_PROXY__ENCRYPTION_KEY): a
 * new key would leave its stored provider keys unreadable and store the next ones under another
 * key, so the start is refused in one line. A new database, and one whose only rows need no key
 * (the seed's defaults, client keys: SHA-256), still get a generated key; --reset-admin needs none.
 */
import { Database } from 'bun:sqlite';
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

// Five process starts: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const MAIN = join(import.meta.dir, '../../src/main.ts');
const ADMIN_PASSWORD = 'lost-key-admin-password-1';
/** No key configured: the key file beside the database is the only source. */
const NO_KEY = { LLM_PROXY__ENCRYPTION_KEY: '' };

const newDir = () => mkdtempSync(join(tmpdir(), 'gg-lost-key-'));
const dbOf = (dir: string) => join(dir, 'data', 'gophergate.db');
const keyOf = (dir: string) => join(dir, 'data', 'encryption.key');

const serve = (dir: string) => startGatewayProcess({ cwd: dir, dbPath: dbOf(dir), adminPassword: ADMIN_PASSWORD, env: NO_KEY });

async function stop(g: GatewayProcess): Promise<string> {
  g.proc.kill('SIGTERM');
  return g.outAtExit();
}

/** `bun src/main.ts [args]` to its end (async, bounded), as the binary runs without a key. */
async function run(dir: string, args: string[] = []) {
  const p = Bun.spawn(['bun', MAIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0', LLM_PROXY__DATABASE__PATH: dbOf(dir), ...NO_KEY },
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', timeout: 20_000,
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** The database a first start left (a client key, the openai key stored), copied to a new folder without its key file. */
function restoredWithoutKey(from: string): string {
  const dir = newDir();
  mkdirSync(join(dir, 'data'));
  copyFileSync(dbOf(from), dbOf(dir));
  return dir;
}

let first: string;
let clientKey: string;

beforeAll(async () => {
  first = newDir();
  const g = await serve(first);
  try {
    const login = await fetch(`${g.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const made = await fetch(`${g.url}/api/clients`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'app' }) });
    clientKey = ((await made.json()) as { key: string }).key;
    const stored = await fetch(`${g.url}/api/providers/openai`, { method: 'PATCH', headers: admin, body: JSON.stringify({ api_key: 'sk-stored-key-0123456789' }) });
    expect(stored.status).toBe(200);
  } finally {
    // A clean stop: the whole database is in the .db file the tests copy.
    const out = await stop(g);
    expect(out).toContain(`generated a new encryption key in ${keyOf(first)}`);
  }
  expect(existsSync(keyOf(first))).toBe(true);
});

describe('a database restored without its encryption.key', () => {
  test('holding a stored provider key: the start is refused in one line and no key is generated; --reset-admin still works, without one', async () => {
    const dir = restoredWithoutKey(first);
    const r = await run(dir);
    expect(r.code).toBe(1);
    const lines = r.err.split('\n').filter((l) => l.startsWith('gophergate: '));
    expect(lines).toHaveLength(1);
    for (const part of [`database ${dbOf(dir)}`, 'holds 1 stored provider key(s)', `Put back the encryption.key that belongs with this database at ${keyOf(dir)}`, 'or set LLM_PROXY__ENCRYPTION_KEY']) {
      expect(lines[0]).toContain(part);
    }
    expect(r.err).not.toMatch(/\n\s+at |\n\d+ \| |Bun v\d/);
    expect(r.out).not.toContain('listening on');
    expect(existsSync(keyOf(dir))).toBe(false);
    expect(existsSync(`${dbOf(dir)}-wal`)).toBe(false);

    // The reset needs no secret: it works as before and generates no key file.
    const reset = await run(dir, ['--reset-admin']);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain(`reset user 'admin' in ${dbOf(dir)}`);
    expect(existsSync(keyOf(dir))).toBe(false);

    // The way out when the key is lost for good: a new key file. The start warns, naming that file;
    // the client key still authenticates (a SHA-256, not made under the encryption key).
    writeFileSync(keyOf(dir), `${'cd'.repeat(32)}\n`, { mode: 0o600 });
    const g = await serve(dir);
    const models = await fetch(`${g.url}/v1/models`, { headers: { authorization: `Bearer ${clientKey}` } });
    expect(models.status).toBe(200);
    const out = await stop(g);
    expect(out).toContain(`1 stored API key(s) of provider openai cannot be decrypted with the encryption key from ${keyOf(dir)}`);
  });

  test('holding only what needs no key (the seed, a client key): it starts, with a new key generated', async () => {
    const dir = restoredWithoutKey(first);
    const db = new Database(dbOf(dir));
    db.run('update providers set api_key_encrypted = null, api_key_last4 = null');
    db.close();
    const g = await serve(dir);
    const models = await fetch(`${g.url}/v1/models`, { headers: { authorization: `Bearer ${clientKey}` } });
    expect(models.status).toBe(200);
    expect(await stop(g)).toContain(`generated a new encryption key in ${keyOf(dir)}`);
    expect(existsSync(keyOf(dir))).toBe(true);
  });
});
