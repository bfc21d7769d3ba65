/**
 * A database file the gateway's user may read and write but does not own: a folder shared through
 * a group (the file `root:gophergate`, mode 0660, the service run as a member of that group), or a
 * file restored by another user. The start used to tighten the file to 0600 unconditionally, and
 * the chmod that only the owner may make failed the start with "permission denied (EPERM)" for a
 * file it could use. Runs the server as `nobody` through setpriv, so only as root.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { chmodSync, chownSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientKey, startGatewayProcess } from '../helpers/gateway-process';

// Spawns the server twice: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0 && Bun.which('setpriv') !== null;
const PASSWORD = 'shared-group-password-1';

test.skipIf(!asRoot)('a database file of another owner that the group may write: the start uses it as it is, and nothing is lost', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-other-owner-'));
  const dbPath = join(cwd, 'gophergate.db');
  // Made by root (the owner), with a key and one request served.
  const first = await startGatewayProcess({ cwd, dbPath, adminPassword: PASSWORD, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  const key = await createClientKey(first.url, PASSWORD, 'shared');
  const before = await fetch(`${first.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'as root' }] }),
  });
  expect(before.status).toBe(200);
  first.proc.kill('SIGTERM');
  expect(await first.proc.exited).toBe(0);
  // Shared with the group the service runs in: owner root, group nobody's, 0660; the folder 0770.
  chownSync(cwd, 0, NOBODY);
  chmodSync(cwd, 0o770);
  chownSync(dbPath, 0, NOBODY);
  chmodSync(dbPath, 0o660);

  const second = await startGatewayProcess({
    cwd, dbPath, adminPassword: PASSWORD,
    env: { HOME: cwd, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
    wrap: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'],
  }).catch((err: Error) => err);
  if (second instanceof Error) throw second;
  try {
    const after = await fetch(`${second.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'as the group' }] }),
    });
    expect(after.status).toBe(200);
    const requestId = after.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    second.proc.kill('SIGTERM');
    expect(await second.proc.exited).toBe(0);
    // Still root's file with the group's mode (not ours to change), holding both requests.
    const st = statSync(dbPath);
    expect(st.uid).toBe(0);
    expect(st.mode & 0o777).toBe(0o660);
    const { Database } = await import('bun:sqlite');
    const lite = new Database(dbPath, { readonly: true });
    expect(lite.query('SELECT count(*) AS n FROM request_logs WHERE request_id = ?').get(requestId) as { n: number }).toEqual({ n: 1 });
    expect(lite.query('SELECT count(*) AS n FROM request_logs').get() as { n: number }).toEqual({ n: 2 });
    lite.close();
  } finally {
    second.proc.kill('SIGKILL');
  }
});
