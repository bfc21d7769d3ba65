/**
 * A provider base URL stored with a query or fragment before the admin API refused them (a Gemini
 * key given as `?key=...`): calls would append their paths after the query, and every viewer of
 * GET /api/providers saw the key. At start the server warns without the query's values, the
 * provider is off, and the API shows the URL without them; setting the URL again turns it back on.
 */
import { Database } from 'bun:sqlite';
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway-process';

// Spawns the server twice: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'stored-base-url-admin-1';
const SECRET = 'AIzaSyStoredInTheQuery0123456789';

test('a stored base URL with ?key=: warned of at start without the key, the provider off, the API shows no key; set again, it is on', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-base-url-'));
  const dbPath = join(cwd, 'gg.db');
  const first = await startGatewayProcess({ cwd, dbPath, adminPassword: ADMIN_PASSWORD });
  first.proc.kill('SIGTERM');
  await first.outAtExit();
  // As an earlier release let PATCH /api/providers/gemini store it.
  const db = new Database(dbPath);
  db.query("INSERT INTO providers (id, enabled, base_url, updated_at) VALUES ('gemini', 1, ?, ?) ON CONFLICT(id) DO UPDATE SET enabled = 1, base_url = excluded.base_url")
    .run(`https://generativelanguage.googleapis.com?key=${SECRET}`, Date.now());
  db.close();

  const g = await startGatewayProcess({ cwd, dbPath, adminPassword: ADMIN_PASSWORD });
  const login = await fetch(`${g.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const admin = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const listed = (await (await fetch(`${g.url}/api/providers`, { headers: admin })).json()) as any;
  const gemini = (Array.isArray(listed) ? listed : listed.data ?? listed.providers).find((p: any) => p.id === 'gemini');
  expect(gemini.enabled).toBe(false);
  expect(gemini.base_url).toBe('https://generativelanguage.googleapis.com?key=...');
  expect(JSON.stringify(listed)).not.toContain(SECRET);

  const fixed = await fetch(`${g.url}/api/providers/gemini`, { method: 'PATCH', headers: admin, body: JSON.stringify({ base_url: 'https://generativelanguage.googleapis.com' }) });
  expect(fixed.status).toBe(200);
  const after = (await (await fetch(`${g.url}/api/providers`, { headers: admin })).json()) as any;
  expect((Array.isArray(after) ? after : after.data ?? after.providers).find((p: any) => p.id === 'gemini').enabled).toBe(true);

  g.proc.kill('SIGTERM');
  const out = await g.outAtExit();
  expect(out).toMatch(/stored base URL of provider gemini \(https:\/\/generativelanguage\.googleapis\.com\?key=\.\.\.\) holds a query or fragment/);
  expect(out).not.toContain(SECRET);
});
