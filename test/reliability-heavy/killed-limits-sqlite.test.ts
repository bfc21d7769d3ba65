/**
 * One instance on SQLite (counters in memory), killed outright (kill -9) while two streams of a key
 * with max_parallel 2 and a budget are in flight, then started again on the same file: nothing stays
 * reserved (both slots admit at once), the cut requests have no row while every finished one keeps
 * its own, and the budget's spend is read back from those rows (shown by the admin API, enforced:
 * a budget set to it refuses the next request as spent).
 * Heavy (spawns processes): run with `bun test test/reliability-heavy`.
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { heldDeepSeekStreams, type HeldStreams } from '../helpers/held-streams';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';

setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'killed-sqlite-admin-password';
const MODEL = 'deepseek/deepseek-chat';
let fake: FakeUpstream;
let dir: string;
let p: GatewayProcess | null = null;
/** Streams pause after their second payload while held (hold() / release()). */
let streams: HeldStreams | undefined;
const hold = () => streams!.hold();
const release = () => streams?.release();

beforeAll(() => {
  streams = heldDeepSeekStreams();
  fake = streams.fake;
  dir = mkdtempSync(join(tmpdir(), 'gg-killed-sqlite-'));
});
afterAll(async () => {
  release();
  p?.proc.kill('SIGKILL');
  await p?.proc.exited;
  fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const dbPath = () => join(dir, 'gw.db');
const start = () =>
  startGatewayProcess({
    cwd: dir, dbPath: dbPath(), adminPassword: ADMIN_PASSWORD,
    env: { LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: fake.url, DEEPSEEK_API_KEY: 'sk-killed-sqlite-0123456789' },
  });
const signIn = async (gw: GatewayProcess) => {
  const r = await fetch(`${gw.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const token = ((await r.json()) as any).token as string;
  return (method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined,
    });
};
const chat = (gw: GatewayProcess, key: string, stream = false) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream, max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] }),
  });
/** The rows of these request ids, read from the file (WAL: beside the running gateway). */
const rowsOf = (ids: string[]) => {
  const db = new Database(dbPath(), { readonly: true });
  try {
    return db.query(`SELECT request_id, status, cost_usd FROM request_logs WHERE request_id IN (${ids.map(() => '?').join(',')})`).all(...ids) as {
      request_id: string; status: number; cost_usd: number;
    }[];
  } finally {
    db.close();
  }
};

test('kill -9 with both slots held, then restart: nothing stays reserved, the rows and the spend survive', async () => {
  p = await start();
  let api = await signIn(p);
  const made = await api('POST', '/api/clients', { name: 'killed-sqlite', max_parallel: 2, budget_usd: 5, budget_period: 'month' });
  expect(made.status).toBe(201);
  const { key, id } = (await made.json()) as { key: string; id: number };

  // Three answered (their rows written), then both slots held by streams the upstream keeps open.
  const done: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await chat(p, key);
    expect(res.status).toBe(200);
    done.push(res.headers.get('x-request-id')!);
  }
  expect(await eventually(() => rowsOf(done).length === 3, 15_000)).toBe(true);
  hold();
  const heads = await Promise.all([chat(p, key, true), chat(p, key, true)]);
  expect(heads.map((h) => h.status)).toEqual([200, 200]);
  const cut = heads.map((h) => h.headers.get('x-request-id')!);
  expect((await chat(p, key)).status).toBe(429);

  p.proc.kill('SIGKILL');
  await p.proc.exited;
  for (const h of heads) await h.text().catch(() => '');
  release();

  p = await start();
  api = await signIn(p);
  // The rows: the finished ones intact, none for the cut streams.
  const rows = rowsOf(done);
  expect(rows.map((r) => [r.request_id, r.status]).sort()).toEqual(done.map((rid) => [rid, 200]).sort());
  expect(rowsOf(cut)).toEqual([]);
  const spent = rows.reduce((a, r) => a + r.cost_usd, 0);
  expect(spent).toBeGreaterThan(0);

  // Nothing reserved: both slots admit at once.
  hold();
  const two = await Promise.all([chat(p, key, true), chat(p, key, true)]);
  expect(two.map((h) => h.status)).toEqual([200, 200]);
  release();
  const after = two.map((h) => h.headers.get('x-request-id')!);
  for (const h of two) expect((await h.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
  expect(await eventually(() => rowsOf(after).length === 2, 15_000)).toBe(true);

  // The spend survived the kill: read back from the rows, and enforced.
  const total = spent + rowsOf(after).reduce((a, r) => a + r.cost_usd, 0);
  const info = (await (await api('GET', `/api/clients/${id}`)).json()) as { spend_usd: number };
  expect(info.spend_usd).toBeCloseTo(total, 6);
  expect((await api('PATCH', `/api/clients/${id}`, { budget_usd: Number(total.toFixed(6)) })).status).toBe(200);
  const refused = await chat(p, key);
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as any).error.code).toBe('budget_exceeded');
});
