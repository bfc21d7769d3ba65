/**
 * The real server process under load: SIGTERM drains every accepted request and its log row;
 * kill -9 then restart leaves an intact database missing at most one flush window of rows.
 * Heavy (spawns processes): run with `bun test test/reliability-heavy`.
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

const PROVIDER_KEY = 'sk-heavy-provider-SECRET-0123456789';
let fake: FakeUpstream;
let dir: string;

beforeAll(() => {
  // Each answer takes ~300 ms so requests are in flight when the signal lands.
  fake = startFakeUpstream(() => sseResponse(readChunks('openai', 'text.chunks.txt'), { delayMs: 40 }));
  dir = mkdtempSync(join(tmpdir(), 'gg-heavy-'));
});
afterAll(() => {
  fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const ADMIN_PASSWORD = 'heavy-admin-password';
const startServer = (dbPath: string): Promise<GatewayProcess> =>
  startGatewayProcess({
    cwd: dir, dbPath, adminPassword: ADMIN_PASSWORD,
    env: { LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: PROVIDER_KEY },
  });
const clientKey = (p: GatewayProcess) => createClientKey(p.url, ADMIN_PASSWORD);

const chat = (port: number, key: string) =>
  fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));

const chatRows = (dbPath: string) => {
  const db = new Database(dbPath);
  try {
    return (db.query("SELECT count(*) AS n FROM request_logs WHERE endpoint = 'chat'").get() as any).n as number;
  } finally {
    db.close();
  }
};

test('SIGTERM under load: every accepted request completes and is logged', async () => {
  const dbPath = join(dir, 'term.db');
  const p = await startServer(dbPath);
  const key = await clientKey(p);
  const N = 60;
  const pending = Array.from({ length: N }, () => chat(p.port, key).catch((e) => ({ status: 0, text: String(e) })));
  while (fake.requests.length < N / 2) await Bun.sleep(5);
  p.proc.kill('SIGTERM');
  const results = await Promise.all(pending);
  expect(await p.proc.exited).toBe(0);
  const accepted = results.filter((r) => r.status === 200);
  expect(accepted.length).toBeGreaterThanOrEqual(N / 2);
  for (const r of accepted) expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  expect(chatRows(dbPath)).toBe(accepted.length);
  // nothing secret in what the process printed
  const printed = await p.outAtExit();
  expect(printed).not.toContain(PROVIDER_KEY);
  expect(printed).not.toContain(key);
}, 60_000);

test('kill -9 under load, then restart: integrity ok, at most one flush window of rows missing', async () => {
  const dbPath = join(dir, 'kill.db');
  let p = await startServer(dbPath);
  const key = await clientKey(p);
  fake.requests.length = 0;
  const results: { status: number; text: string }[] = [];
  let stop = false;
  const load = Array.from({ length: 8 }, async () => {
    while (!stop) results.push(await chat(p.port, key).catch((e) => ({ status: 0, text: String(e) })));
  });
  while (results.filter((r) => r.status === 200).length < 40) await Bun.sleep(10);
  p.proc.kill('SIGKILL');
  stop = true;
  await Promise.all(load);
  await p.proc.exited;
  const completed = results.filter((r) => r.status === 200 && r.text.trimEnd().endsWith('data: [DONE]')).length;

  p = await startServer(dbPath); // recovers the WAL
  const db = new Database(dbPath);
  try {
    expect((db.query('PRAGMA integrity_check').get() as any).integrity_check).toBe('ok');
  } finally {
    db.close();
  }
  const rows = chatRows(dbPath);
  // Rows can only be missing for requests finished within the last flush window (100 ms) before
  // the kill: with 8 workers and ~300 ms per request that is at most a handful.
  expect(rows).toBeLessThanOrEqual(completed + 8);
  expect(rows).toBeGreaterThanOrEqual(completed - 8);
  // the restarted server serves and logs again
  const r = await chat(p.port, key);
  expect(r.status).toBe(200);
  p.proc.kill('SIGTERM');
  expect(await p.proc.exited).toBe(0);
  expect(chatRows(dbPath)).toBe(rows + 1);
}, 90_000);

test('SIGTERM right after answers without upstream usage: each row waits for its token estimate, none is lost', async () => {
  // No usage in the answers: every row is estimated, counted on the token worker, which in a
  // fresh process first loads its tables; the signal lands while those counts are still pending.
  fake.handler = () => jsonResponse({
    id: 'chatcmpl-nousage', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'An answer whose tokens nobody reported.' }, finish_reason: 'stop' }],
  });
  const dbPath = join(dir, 'estimate.db');
  const p = await startServer(dbPath);
  const key = await clientKey(p);
  const N = 12;
  const results = await Promise.all(Array.from({ length: N }, () =>
    fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Count my tokens, please.' }] }),
    }).then((r) => r.status)));
  expect(results.every((s) => s === 200)).toBe(true);
  p.proc.kill('SIGTERM');
  expect(await p.proc.exited).toBe(0);
  const db = new Database(dbPath);
  try {
    const rows = db.query("SELECT estimated, prompt_tokens, completion_tokens, cost_usd FROM request_logs WHERE endpoint = 'chat'").all() as any[];
    expect(rows.length).toBe(N);
    for (const r of rows) {
      expect(r.estimated).toBe(1);
      expect(r.prompt_tokens).toBeGreaterThan(5);
      expect(r.completion_tokens).toBeGreaterThan(5);
      expect(r.cost_usd).toBeGreaterThan(0);
    }
  } finally {
    db.close();
  }
}, 60_000);
