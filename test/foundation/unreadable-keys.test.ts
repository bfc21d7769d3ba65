/**
 * Provider keys stored under one LLM_PROXY__ENCRYPTION_KEY and read under another cannot be
 * used; the server says so at start (it used to call the provider without them, silently).
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway-process';

// Spawns the server three times: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'unreadable-keys-admin-1';
const KEY_A = 'ab'.repeat(32);
const KEY_B = 'cd'.repeat(32);
const WARNING = /2 stored API key\(s\) of provider openai cannot be decrypted with the encryption key from LLM_PROXY__ENCRYPTION_KEY/;

async function start(cwd: string, encryptionKey: string) {
  return startGatewayProcess({ cwd, dbPath: join(cwd, 'gg.db'), adminPassword: ADMIN_PASSWORD, env: { LLM_PROXY__ENCRYPTION_KEY: encryptionKey } });
}

async function stop(g: Awaited<ReturnType<typeof start>>): Promise<string> {
  g.proc.kill('SIGTERM');
  return g.outAtExit();
}

test('keys saved under one encryption key and read under another: a warning at start naming the provider and the count', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-unreadable-'));
  const first = await start(cwd, KEY_A);
  const login = await fetch(`${first.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const admin = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const own = await fetch(`${first.url}/api/providers/openai`, { method: 'PATCH', headers: admin, body: JSON.stringify({ api_key: 'sk-own-key-0123456789' }) });
  expect(own.status).toBe(200);
  const pooled = await fetch(`${first.url}/api/providers/openai/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ key: 'sk-pool-key-0123456789' }) });
  expect(pooled.status).toBe(201);
  expect(await stop(first)).not.toMatch(WARNING);

  expect(await stop(await start(cwd, KEY_B))).toMatch(WARNING);
  // Under the key they were saved with, nothing to say.
  expect(await stop(await start(cwd, KEY_A))).not.toMatch(/cannot be decrypted/);
});
