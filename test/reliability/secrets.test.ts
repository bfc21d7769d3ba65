/**
 * Secrets at rest and in motion: client keys are stored only as hashes, provider keys only as
 * ciphertext (the raw database file and its WAL are scanned for the plaintext), and neither a
 * key nor an Authorization header reaches a log row, a monitor WebSocket message or an error
 * body, even when an upstream echoes the key back.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashClientKey } from '../../src/auth/client-auth';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createLogSink } from '../../src/logging/log-sink';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

// The setup starts a gateway, signs in and waits for rows and monitor messages: seconds on a
// loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const ENV_PROVIDER_KEY = 'sk-test-openai-key-0123456789'; // providerEnv's key for openai
const DASHBOARD_PROVIDER_KEY = 'sk-dash-DeepSeekSecret-9f8e7d6c5b4a';

let dir: string;
let dbPath: string;
let fake: FakeUpstream;
let gw: TestGateway;
let admin: Session;
let clientKey: string;
const wsMessages: string[] = [];
const clientBodies: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-secrets-'));
  dbPath = join(dir, 'gophergate.db');
  // Every upstream call answers 401 and echoes the Authorization header it got (some do).
  fake = startFakeUpstream((req) => {
    const auth = req.headers.get('authorization') ?? '';
    if (new URL(req.url).pathname.endsWith('/chat/completions') && JSON.stringify(fake.last().body).includes('echo-my-key')) {
      return jsonResponse({ error: { message: `Incorrect API key provided: ${auth.replace('Bearer ', '')}. Header was '${auth}'.`, code: 'invalid_api_key' } }, 401);
    }
    return sseResponse(readChunks('openai', 'text.chunks.txt'));
  });
  // The worker sink prepares statements on open: the schema must exist first (as in app-context).
  const pre = openDatabase(dbPath);
  runMigrations(pre.db);
  pre.sqlite.close();
  gw = await startGateway({
    env: {
      LLM_PROXY__DATABASE__PATH: dbPath,
      LLM_PROXY__LOGGING__STORE_BODIES: 'true', // the worst case: request bodies are kept too
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('deepseek', `${fake.url}/v1`, { DEEPSEEK_API_KEY: '' }),
    },
    logSink: createLogSink({ dbPath, flushMs: 10 }),
  });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const created = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'secret-test' } });
  expect(created.status).toBe(201);
  clientKey = ((await created.json()) as any).key;
  const patched = await api(gw, 'PATCH', '/api/providers/deepseek', { as: admin, body: { api_key: DASHBOARD_PROVIDER_KEY, enabled: true } });
  expect(patched.status).toBeLessThan(300);
  expect(await patched.text()).not.toContain(DASHBOARD_PROVIDER_KEY);

  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { cookie: admin.cookie } } as any);
  ws.onmessage = (e) => wsMessages.push(String(e.data));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('monitor WebSocket did not open'));
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    clientBodies.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.text()}`);
  };
  await post({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] });
  await post({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'echo-my-key' }] });
  await post({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'echo-my-key' }] });
  await post({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
  // wait for the rows to be committed and broadcast
  const deadline = Date.now() + 15_000;
  while (gw.ctx.logSink.stats().written < 4 && Date.now() < deadline) await Bun.sleep(20);
  while (wsMessages.filter((m) => m.includes('"request')).length < 4 && Date.now() < deadline) await Bun.sleep(20);
  ws.close();
});
afterAll(async () => {
  await gw.close();
  fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const SECRETS = () => ({ clientKey, ENV_PROVIDER_KEY, DASHBOARD_PROVIDER_KEY });

function expectNoSecret(label: string, text: string) {
  for (const [name, secret] of Object.entries(SECRETS())) {
    expect({ label, leaked: text.includes(secret) ? name : null }).toEqual({ label, leaked: null });
  }
  expect({ label, bearer: /Bearer\s+(?!\[redacted\])[\w-]/i.exec(text)?.[0] ?? null }).toEqual({ label, bearer: null });
}

test('the upstream really received the keys (so the scans below can fail)', () => {
  const auths = fake.requests.map((r) => r.headers.authorization);
  expect(auths).toContain(`Bearer ${ENV_PROVIDER_KEY}`);
  expect(auths).toContain(`Bearer ${DASHBOARD_PROVIDER_KEY}`);
});

test('raw database file and WAL: no client key, no provider key in plaintext; the client key hash is there', () => {
  const files = [dbPath, `${dbPath}-wal`].filter(existsSync);
  expect(files.length).toBeGreaterThan(0);
  const raw = Buffer.concat(files.map((f) => readFileSync(f)));
  expect(raw.includes(Buffer.from(hashClientKey(clientKey)))).toBe(true);
  expect(raw.includes(Buffer.from('echo-my-key'))).toBe(true); // bodies were stored: the scan sees text
  for (const [name, secret] of Object.entries(SECRETS())) {
    expect({ name, found: raw.includes(Buffer.from(secret)) }).toEqual({ name, found: false });
    // and not as UTF-16 either
    expect({ name, found16: raw.includes(Buffer.from(secret, 'utf16le')) }).toEqual({ name, found16: false });
  }
});

test('log rows (with stored bodies) carry no key and no Authorization header', () => {
  const rows = gw.ctx.sqlite.query('SELECT * FROM request_logs').all() as Record<string, unknown>[];
  expect(rows.length).toBeGreaterThanOrEqual(4);
  expect(rows.some((r) => String(r.error ?? '').includes('Incorrect API key provided'))).toBe(true);
  for (const r of rows) expectNoSecret(`row ${r.id}`, JSON.stringify(r));
});

test('error bodies and headers sent to the client never echo a key back', () => {
  expect(clientBodies.some((b) => b.includes('Incorrect API key provided'))).toBe(true);
  for (const b of clientBodies) expectNoSecret('client response', b);
});

test('monitor WebSocket messages carry no key', () => {
  expect(wsMessages.filter((m) => m.includes('"request')).length).toBeGreaterThanOrEqual(1);
  for (const m of wsMessages) expectNoSecret('ws message', m);
});

test('admin API reads never return a provider key or a client key', async () => {
  for (const path of ['/api/providers', '/api/clients', '/api/logs?limit=50']) {
    const res = await api(gw, 'GET', path, { as: admin });
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expectNoSecret(path, await res.text());
  }
});
