/**
 * A database the first release left (only migration 0000, with its users, keys and history) opened
 * by today's server process (`bun src/main.ts`, what the binary runs): every later migration
 * applies over it, its admin signs in with the old password, its client key still works, and its
 * history counts in the usage summary beside the new request.
 */
import { Database } from 'bun:sqlite';
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { hashClientKey } from '../../src/auth/client-auth';
import { startGatewayProcess } from '../helpers/gateway-process';
import { migrateSqliteBefore } from '../helpers/migrate-before';

// Spawns the server: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const OLD_PASSWORD = 'first-release-password-1';
const OLD_KEY = 'gg-first-release-client-key-0123456789';

function firstReleaseDatabase(path: string): void {
  const lite = new Database(path, { create: true });
  lite.exec('PRAGMA journal_mode = WAL');
  migrateSqliteBefore(lite, '0001_usage_daily_rollups');
  const now = Date.now();
  const hour = Math.floor((now - 3_600_000) / 3_600_000) * 3_600_000;
  lite.query('INSERT INTO users (username, password_hash, role, must_change_password, created_at) VALUES (?, ?, ?, 0, ?)')
    .run('admin', Bun.password.hashSync(OLD_PASSWORD, 'argon2id'), 'admin', now);
  lite.query('INSERT INTO clients (name, key_hash, key_prefix, created_at) VALUES (?, ?, ?, ?)').run('old', hashClientKey(OLD_KEY), OLD_KEY.slice(0, 10), now);
  for (const id of ['old-request-1', 'old-request-2']) {
    lite.query(`INSERT INTO request_logs (created_at, request_id, client_id, endpoint, model_requested, model, provider, status, prompt_tokens, completion_tokens)
      VALUES (?, ?, 1, 'chat', 'mock/echo', 'mock/echo', 'mock', 200, 5, 7)`).run(hour + 60_000, id);
  }
  lite.query(`INSERT INTO usage_hourly (hour, provider, model, client_id, requests, prompt_tokens, completion_tokens) VALUES (?, 'mock', 'mock/echo', 1, 2, 10, 14)`).run(hour);
  lite.close();
}

test('a first-release database: migrated at start, its admin, key and history carry on', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-upgrade-'));
  const dbPath = join(cwd, 'gophergate.db');
  firstReleaseDatabase(dbPath);
  // The configured password is for a new database only: this one has its admin.
  const p = await startGatewayProcess({ cwd, dbPath, adminPassword: 'not-used-password-1', env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  try {
    const login = await fetch(`${p.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: OLD_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { token, must_change_password } = (await login.json()) as any;
    expect(must_change_password).toBe(false);
    const api = (path: string) => fetch(`${p.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json()) as Promise<any>;

    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: OLD_KEY });
    const { data, response } = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'after the upgrade' }] }).withResponse();
    expect(data.choices[0]!.message.content).toContain('after the upgrade');
    const requestId = response.headers.get('x-request-id')!;

    let logs: any[] = [];
    for (const deadline = Date.now() + 10_000; !logs.some((r) => r.request_id === requestId) && Date.now() < deadline; await Bun.sleep(50)) logs = (await api('/api/logs?limit=10')).data;
    expect(logs.map((r) => r.request_id).sort()).toEqual(['old-request-1', 'old-request-2', requestId].sort());
    expect(logs.find((r) => r.request_id === requestId)).toMatchObject({ client_id: 1, status: 200, endpoint: 'chat' });
    const summary = await api('/api/usage/summary');
    expect(summary.requests).toBe(3);
    expect(summary.prompt_tokens).toBe(10 + data.usage!.prompt_tokens);
    // The seeded groups of today were added to the old database.
    expect((await api('/api/groups')).data.map((g: any) => g.name)).toContain('dispatcher');
  } finally {
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
  }
});
