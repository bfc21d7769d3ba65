/**
 * SIGTERM with a Monitoring page open: the real server process closes the monitor socket with
 * 1001 (going away; the page reconnects) and stops, with every row written. The socket held the
 * drain for as long as the page stayed open (Bun's server.stop waits for every connection), so a
 * restart or deploy hung, and a supervisor's SIGKILL then lost the queued rows.
 */
import { Database } from 'bun:sqlite';
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

const dir = mkdtempSync(join(tmpdir(), 'gg-monitor-stop-'));
const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
let p: GatewayProcess | undefined;
afterAll(() => {
  // A failed run leaves no server behind.
  if (p && p.proc.exitCode === null) p.proc.kill('SIGKILL');
  fake.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM while a monitor socket is open: the socket is closed with 1001 and the process exits 0', async () => {
  const dbPath = join(dir, 'gw.db');
  p = await startGatewayProcess({
    cwd: dir, dbPath, adminPassword: 'monitor-stop-password',
    env: { LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-monitor-stop-0123456789' },
  });
  const gw = p;
  const login = await fetch(`${gw.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'monitor-stop-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/api/monitor/ws`, { headers: { authorization: `Bearer ${token}` } } as any); // Bun takes headers
  const messages: string[] = [];
  const hello = new Promise<void>((resolve) => (ws.onmessage = (ev) => {
    messages.push(String(ev.data));
    resolve();
  }));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = (ev) => resolve({ code: ev.code, reason: ev.reason })));
  await hello;

  // A request the socket sees, and whose row must be written before the process ends.
  const key = await createClientKey(gw.url, 'monitor-stop-password');
  const answer = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
  });
  expect(answer.status).toBe(200);
  const requestId = answer.headers.get('x-request-id')!;
  while (!messages.some((m) => m.includes(requestId))) await Bun.sleep(10);

  gw.proc.kill('SIGTERM');
  // Without the fix neither settles while the client keeps its socket: the test times out.
  expect(await closed).toEqual({ code: 1001, reason: 'server shutting down' });
  expect(await gw.proc.exited).toBe(0);
  expect(await gw.outAtExit()).toContain('stopped cleanly');
  const db = new Database(dbPath, { readonly: true });
  try {
    expect(db.query('SELECT count(*) AS n FROM request_logs WHERE request_id = ?').get(requestId)).toEqual({ n: 1 });
  } finally {
    db.close();
  }
}, 30_000);
