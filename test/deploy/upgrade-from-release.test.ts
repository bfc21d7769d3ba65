/**
 * An operator's upgrade: the database a real earlier release (the binary of 2026-12-03, commit
 * d6b44632, migrations up to 0017) left after use, opened by today's server process. Made by
 * scripts/make-upgrade-fixture.ts: the admin changed the password, DeepSeek got a key and OpenAI a
 * pool key (both encrypted with the fixture's encryption key), a team and a key with limits were
 * made, requests left log rows and a stored response. Every later migration applies over it and
 * all of that carries on. Then the same file, migrated, is refused by a binary older than its
 * migrations (a downgrade), in one line and untouched.
 */
import { Database } from 'bun:sqlite';
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGatewayProcess } from '../helpers/gateway-process';

// Spawns the server: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const FIXTURE = join(import.meta.dir, '../fixtures/upgrade/2026-12-03');
const secrets = JSON.parse(readFileSync(join(FIXTURE, 'secrets.json'), 'utf8'));
const NEWER_MIGRATION_AT = Date.UTC(2099, 0, 1);

/** An upstream that answers its recorded chat completion to `key` only, 401 as the provider does to another. */
function upstream(provider: string, key: string): FakeUpstream {
  return startFakeUpstream((_req, rec) =>
    rec.headers.authorization === `Bearer ${key}`
      ? jsonResponse({ ...fixtureJson(provider, 'chat.json'), model: rec.body.model })
      : jsonResponse({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }, 401),
  );
}
const deepseek = upstream('deepseek', secrets.deepseek_key);
const openai = upstream('openai', secrets.openai_pool_key);
afterAll(() => {
  deepseek.close();
  openai.close();
});

/** A new folder holding a copy of the fixture as `data/gophergate.db` (an operator's data folder). */
function folderWithFixture(): { cwd: string; dbPath: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-upgrade-release-'));
  mkdirSync(join(cwd, 'data'));
  const dbPath = join(cwd, 'data/gophergate.db');
  copyFileSync(join(FIXTURE, 'gophergate.db'), dbPath);
  return { cwd, dbPath };
}

// The fixture's rows keep their dates: retention must not prune them as the years pass.
const env = { LLM_PROXY__ENCRYPTION_KEY: secrets.encryption_key, LLM_PROXY__LOGGING__RETENTION_DAYS: '36500', LLM_PROXY__RESPONSES__RETENTION_DAYS: '36500' };

test('a database of the 2026-12-03 release: migrated at start, its admin, keys, limits, history and stored response carry on', async () => {
  const { cwd, dbPath } = folderWithFixture();
  const p = await startGatewayProcess({ cwd, dbPath, adminPassword: 'not-used-password-1', env });
  try {
    const login = await fetch(`${p.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: secrets.admin_password }),
    });
    expect(login.status).toBe(200);
    const { token, must_change_password } = (await login.json()) as any;
    expect(must_change_password).toBe(false);
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${p.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect(r.status).toBe(200);
      return (await r.json()) as any;
    };
    // The upstreams the fixture was made against are gone: the admin points the providers at these (their keys stay as stored).
    await api('PATCH', '/api/providers/deepseek', { base_url: deepseek.url });
    await api('PATCH', '/api/providers/openai', { base_url: `${openai.url}/v1` });

    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: secrets.client_key, maxRetries: 0 });
    const viaDeepseek = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'after the upgrade' }] }).withResponse();
    expect(viaDeepseek.data.choices[0]!.message.content).toBe(fixtureJson('deepseek', 'chat.json').choices[0].message.content);
    // The provider's own key, decrypted with the fixture's encryption key.
    expect(deepseek.last().headers.authorization).toBe(`Bearer ${secrets.deepseek_key}`);
    const viaPool = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after the upgrade' }] }).withResponse();
    expect(viaPool.data.choices[0]!.message.content).toBe(fixtureJson('openai', 'chat.json').choices[0].message.content);
    expect(openai.last().headers.authorization).toBe(`Bearer ${secrets.openai_pool_key}`);

    // The stored response reads back and a follow-up carries its conversation.
    const stored = await client.responses.retrieve(secrets.stored_response_id);
    expect(stored).toMatchObject({ id: secrets.stored_response_id, status: 'completed' });
    const followUp = await client.responses.create({ model: 'deepseek/deepseek-chat', input: 'which word?', previous_response_id: secrets.stored_response_id }).withResponse();
    expect(JSON.stringify(deepseek.last().body.messages)).toContain('heron');

    const key = await api('GET', `/api/clients/${secrets.client_id}`);
    expect(key).toMatchObject({ name: 'ops-client', revoked: false, team_id: secrets.team_id, rpm: 60, tpm: 100000, budget_usd: 10, budget_period: 'day', max_parallel: 4 });
    const team = await api('GET', `/api/teams/${secrets.team_id}`);
    expect(team).toMatchObject({ name: 'Research', budget_usd: 50, budget_period: 'month', rpm: 100, client_ids: [secrets.client_id] });

    const newIds = [viaDeepseek.response, viaPool.response, followUp.response].map((r) => r.headers.get('x-request-id')!);
    const expected = [...secrets.request_ids, ...newIds];
    let logs: any[] = [];
    const listed = () => expected.every((id) => logs.some((r) => r.request_id === id));
    for (const deadline = Date.now() + 10_000; !listed() && Date.now() < deadline; await Bun.sleep(50)) logs = (await api('GET', '/api/logs?limit=100')).data;
    expect(logs.filter((r) => expected.includes(r.request_id)).length).toBe(expected.length);
    for (const id of newIds) expect(logs.find((r) => r.request_id === id)).toMatchObject({ client_id: secrets.client_id, team_id: secrets.team_id, status: 200 });
    // The history counts beside the new requests (the retrieve is a request too, logged as its own row).
    const summary = await api('GET', '/api/usage/summary');
    expect(summary.requests).toBeGreaterThanOrEqual(secrets.summary.requests + newIds.length);
    expect(summary.cost_usd).toBeGreaterThan(secrets.summary.cost_usd);
  } finally {
    p.proc.kill('SIGTERM');
    expect(await p.proc.exited).toBe(0);
  }
});

test('a database a newer release migrated: the start is refused in one line and the file left as it was', async () => {
  const { cwd, dbPath } = folderWithFixture();
  // Today's migrations, then one this code does not have, as a later release records it.
  const first = await startGatewayProcess({ cwd, dbPath, adminPassword: 'not-used-password-1', env });
  first.proc.kill('SIGTERM');
  expect(await first.proc.exited).toBe(0);
  const lite = new Database(dbPath);
  lite.query('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('a-later-release', NEWER_MIGRATION_AT);
  const before = lite.query('SELECT count(*) AS n FROM __drizzle_migrations').get();
  lite.close();
  const bytes = readFileSync(dbPath);

  const refused = await startGatewayProcess({ cwd, dbPath, adminPassword: 'not-used-password-1', env }).then(
    (p) => (p.proc.kill('SIGKILL'), null),
    (err: Error) => err.message,
  );
  expect(refused).toContain(`cannot use the database ${dbPath}: a newer GopherGate release migrated it (1 migration(s) this binary does not have, the latest made 2099-01-01T00:00:00.000Z;`);
  expect(refused).toContain('Start that release (or a later one) again, or restore the copy of the database taken before the upgrade. Nothing was changed.');
  expect(refused).not.toMatch(/\n\s+at /); // no stack trace
  expect(readFileSync(dbPath).equals(bytes)).toBe(true);
  const after = new Database(dbPath, { readonly: true });
  expect(after.query('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual(before);
  after.close();
});
