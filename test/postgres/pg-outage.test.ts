/**
 * PostgreSQL unreachable under load, through a loopback TCP proxy the test cuts: /v1 keeps
 * answering from the in-memory snapshot, /api answers 503, /health says degraded; log rows wait
 * in the bounded buffer and are written once PostgreSQL is back; what overflowed is counted as
 * dropped in /health and /metrics.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { api, dashboardCookie, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

const MAX_QUEUE = 20;
let pg: ProxiedDatabase;
let gw: TestGateway;
let writerClient: SQL;

beforeAll(async () => {
  pg = await createProxiedDatabase({ adminPassword: ADMIN_PASSWORD });
  writerClient = new SQL({ url: pg.url, max: 2, connectionTimeout: 2 });
  gw = await startGateway({
    // The real PostgreSQL log writer, with a small buffer so the test can overflow it.
    logSink: createPgLogSink(writerClient, { maxQueue: MAX_QUEUE, retryMs: 200, flushMs: 20, retentionDays: 0, warn: () => {} }),
    env: { LLM_PROXY__DATABASE__URL: pg.url, LLM_PROXY__INSTANCE_ID: 'outage-1', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
  });
}, 60_000);

afterAll(() => pg?.close(async () => gw?.close()));

async function chat(): Promise<string> {
  const { response } = await gw
    .openai()
    .chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'keep serving' }] })
    .withResponse();
  expect(response.status).toBe(200);
  return response.headers.get('x-request-id')!;
}

const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as any;

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await Bun.sleep(100);
  }
}

async function rowsFor(ids: string[]): Promise<Set<string>> {
  const sql = new SQL(pg.db.url);
  try {
    const rows = await sql`SELECT request_id FROM request_logs WHERE request_id IN ${sql(ids)} AND instance = 'outage-1'`;
    return new Set(rows.map((r: any) => r.request_id));
  } finally {
    await sql.close();
  }
}

test('PostgreSQL cut under load: /v1 serves, /api 503, health degraded; rows written after restore, overflow counted', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const before = await Promise.all(Array.from({ length: 5 }, chat));
  await until('rows before the cut', () => rowsFor(before), (s) => s.size === 5);
  expect((await api(gw, 'GET', '/api/clients', { as: admin })).status).toBe(200);

  pg.proxy.cut();
  await until('/health degraded', health, (h) => h.status === 'degraded');

  // Load while PostgreSQL is away: every request is answered from the snapshot.
  const during: string[] = [];
  for (let i = 0; i < 3; i++) during.push(...(await Promise.all(Array.from({ length: 5 }, chat))));
  const h1 = await until('15 rows buffered', health, (h) => h.log_queue.depth === 15);
  expect(h1).toMatchObject({ status: 'degraded', store: 'postgres', instance: 'outage-1', log_queue: { depth: 15, dropped: 0 } });

  const api503 = await api(gw, 'GET', '/api/clients', { as: admin });
  expect(api503.status).toBe(503);
  expect((await api503.json()) as any).toMatchObject({ error: { type: 'api_error', code: 'store_unavailable' } });

  // 10 more: 5 fit in the buffer (bound 20), 5 overflow and are counted.
  const overflow: string[] = [];
  for (let i = 0; i < 10; i++) overflow.push(await chat());
  const h2 = await health();
  // (with `error`, why rows wait, once a write failed)
  expect(h2.log_queue).toMatchObject({ depth: MAX_QUEUE, dropped: 5 });
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  expect(metrics).toContain('gophergate_log_dropped_total{instance="outage-1"} 5');
  expect(metrics).toContain('gophergate_store_up{instance="outage-1"} 0');

  pg.proxy.restore();
  const accepted = [...during, ...overflow.slice(0, 5)];
  const written = await until('buffered rows written after restore', () => rowsFor(accepted), (s) => s.size === accepted.length, 30_000);
  expect(written.size).toBe(20);
  expect((await rowsFor(overflow.slice(5))).size).toBe(0);
  const h3 = await until('/health ok again', health, (h) => h.status === 'ok');
  expect(h3.log_queue).toEqual({ depth: 0, dropped: 5 });
  expect(await (await fetch(`${gw.url}/metrics`)).text()).toContain('gophergate_store_up{instance="outage-1"} 1');
  expect((await api(gw, 'GET', '/api/clients', { as: admin })).status).toBe(200);

  // Each accepted request has exactly one row, and the rollups count them all.
  const sql = new SQL(pg.db.url);
  try {
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM request_logs`;
    const [{ r }] = await sql`SELECT sum(requests)::int AS r FROM usage_hourly`;
    expect(n).toBe(25);
    expect(r).toBe(25);
  } finally {
    await sql.close();
  }
}, 90_000);

test('the first /api requests after PostgreSQL went away, before the probe noticed: 503 store_unavailable, not 500', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  expect((await api(gw, 'GET', '/api/clients', { as: admin })).status).toBe(200);
  await until('/health ok', health, (h) => h.status === 'ok');
  pg.proxy.cut();
  try {
    // The session is cached: the admin query itself is the first to find PostgreSQL gone.
    const r = await api(gw, 'GET', '/api/clients', { as: admin });
    expect([r.status, ((await r.json()) as any).error.code]).toEqual([503, 'store_unavailable']);
    expect(r.headers.get('retry-after')).toBe('5');
  } finally {
    pg.proxy.restore();
  }
  await until('/health ok again', health, (h) => h.status === 'ok');
  expect((await api(gw, 'GET', '/api/clients', { as: admin })).status).toBe(200);
}, 60_000);

test('PostgreSQL back: the next /api call and signed-in page are served at once, not told 503 until the next probe', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const page = await dashboardCookie(gw);
  pg.proxy.cut();
  // Marked away by a failed query, as under load.
  expect((await api(gw, 'GET', '/api/clients', { as: admin })).status).toBe(503);
  expect(gw.ctx.store.reachable()).toBe(false);
  pg.proxy.restore();
  // No wait for the probe (each second): each request asks PostgreSQL again itself.
  const [apiCall, signIn, dashboard] = await Promise.all([
    api(gw, 'GET', '/api/clients', { as: admin }),
    fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) }),
    fetch(`${gw.url}/clients`, { headers: { cookie: page }, redirect: 'manual' }),
  ]);
  expect([apiCall.status, signIn.status, dashboard.status]).toEqual([200, 200, 200]);
  expect(gw.ctx.store.reachable()).toBe(true);
}, 60_000);
