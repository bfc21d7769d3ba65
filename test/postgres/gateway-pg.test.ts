/**
 * The gateway on PostgreSQL (LLM_PROXY__DATABASE__URL): concurrent starts, the admin API, /v1
 * through the official openai client, log rows in Postgres with their instance, and the usage
 * API reading them back.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { openAppContext } from '../../src/app-context';
import { createClient, revokeClient } from '../../src/admin/clients-service';
import { hashClientKey } from '../../src/auth/client-auth';
import { loadConfig } from '../../src/config/config';
import { LOG_INSERT_COLUMNS } from '../../src/logging/log-row-sql';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { checkLogRowRoundTrip } from '../helpers/log-row-round-trip';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

const TEST_KEY = '0f'.repeat(32);

describe('two instances starting at once on one empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase()));
  afterAll(async () => db?.drop());

  test('both migrate and seed under the advisory lock: one admin, one set of seed rows', async () => {
    const config = (id: string) =>
      loadConfig({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__ENCRYPTION_KEY: TEST_KEY, LLM_PROXY__INSTANCE_ID: id, LLM_PROXY__ADMIN__PASSWORD: ADMIN_PASSWORD });
    const [a, b] = await Promise.all([openAppContext(config('a'), { warn: () => {} }), openAppContext(config('b'), { warn: () => {} })]);
    try {
      expect(a.store.kind).toBe('postgres');
      expect(a.state.getSnapshot().models.size).toBeGreaterThan(0);
      expect(b.state.getSnapshot().models.size).toBe(a.state.getSnapshot().models.size);
      const sql = new SQL(db.url);
      const [{ n }] = await sql`SELECT count(*)::int AS n FROM users`;
      const [{ m }] = await sql`SELECT count(*)::int AS m FROM drizzle.__drizzle_migrations`;
      await sql.close();
      expect(n).toBe(1);
      expect(m).toBeGreaterThan(0);

      // A client made and then revoked on A reaches B's snapshot through B's 1-second check.
      b.state.watch(100);
      const made = await createClient(a, 'made on a');
      const hash = hashClientKey(made.key);
      await until(() => b.state.getSnapshot().clientsByKeyHash.get(hash)?.revoked === false);
      await revokeClient(a, made.id);
      await until(() => b.state.getSnapshot().clientsByKeyHash.get(hash)?.revoked === true);
    } finally {
      for (const c of [a, b]) {
        c.state.stop();
        await c.logSink.close();
        await c.store.close();
      }
    }
  }, 60_000);
});

describe('a gateway on PostgreSQL', () => {
  let db: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    db = await createTestDatabase();
    gw = await startGateway({
      storeLogs: true,
      env: { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'pg-test-1', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  test('/health names the instance and the store', async () => {
    const h = (await (await fetch(`${gw.url}/health`)).json()) as any;
    expect(h).toMatchObject({ status: 'ok', instance: 'pg-test-1', store: 'postgres', redis: 'off' });
  });

  test('a client made through the admin API chats at once; its row lands in PostgreSQL with the instance', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const created = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'pg client' } });
    expect(created.status).toBe(201);
    const { id, key } = await json(created);

    const { data, response } = await gw
      .openai(key)
      .chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'hello postgres' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toBeTruthy();

    const sql = new SQL(db.url);
    try {
      let rows: any[] = [];
      for (let i = 0; i < 100 && rows.length === 0; i++) {
        rows = await sql`SELECT request_id, client_id, instance, status, stream FROM request_logs WHERE request_id = ${requestId}`;
        if (!rows.length) await Bun.sleep(50);
      }
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ request_id: requestId, instance: 'pg-test-1', stream: false });
      expect(Number(rows[0].status)).toBe(200);
      expect(Number(rows[0].client_id)).toBe(id);
      const [hourly] = await sql`SELECT sum(requests)::int AS n FROM usage_hourly WHERE client_id = ${id}`;
      expect(hourly.n).toBe(1);
    } finally {
      await sql.close();
    }

    // The admin API reads the same rows back from PostgreSQL.
    const logs = await json(await api(gw, 'GET', `/api/logs?client_id=${id}`, { as: admin }));
    expect(logs.data).toHaveLength(1);
    expect(logs.data[0]).toMatchObject({ request_id: requestId, client_id: id, status: 200, stream: false, estimated: false });
    expect(typeof logs.data[0].created_at).toBe('number');
    const summary = await json(await api(gw, 'GET', `/api/usage/summary?client_id=${id}`, { as: admin }));
    expect(summary.requests).toBe(1);
    expect(summary.prompt_tokens).toBeGreaterThan(0);
    const byClient = await json(await api(gw, 'GET', '/api/usage/breakdown?by=client', { as: admin }));
    expect(byClient.data.find((r: any) => r.key === id)).toMatchObject({ label: 'pg client', requests: 1 });
    const clients = await json(await api(gw, 'GET', '/api/clients', { as: admin }));
    expect(clients.data.find((c: any) => c.id === id)).toMatchObject({ name: 'pg client', revoked: false });
    expect(clients.data.find((c: any) => c.id === id).last_used_at).toBeGreaterThan(0);
  }, 30_000);

  test('a revoked key is refused at once; users, groups, models and providers work on PostgreSQL', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const { id, key } = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'to revoke' } }));
    expect((await api(gw, 'DELETE', `/api/clients/${id}`, { as: admin })).status).toBe(200);
    const refused = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(refused.status).toBe(401);

    const u = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'viewer1', password: 'a-long-password', role: 'viewer' } });
    expect(u.status).toBe(201);
    const users = await json(await api(gw, 'GET', '/api/users', { as: admin }));
    expect(users.data.map((x: any) => x.username)).toEqual(['admin', 'viewer1']);
    const viewer = await login(gw, 'viewer1', 'a-long-password');
    expect((await api(gw, 'GET', '/api/users', { as: viewer })).status).toBe(403);
    expect((await api(gw, 'GET', '/api/groups', { as: viewer })).status).toBe(200);

    const models = await json(await api(gw, 'GET', '/api/models?provider=openai', { as: admin }));
    const m = models.data[0];
    const patched = await json(await api(gw, 'PATCH', `/api/models/${encodeURIComponent(m.id)}`, { as: admin, body: { input_price: 1.25, enabled: false } }));
    expect(patched).toMatchObject({ id: m.id, input_price: 1.25, enabled: false });
    expect(gw.ctx.state.getSnapshot().models.get(m.id)?.enabled).toBe(false);
    // A model added and removed through the API (prices from genai-prices).
    const added = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'o3-mini', provider: 'openai', context_window: 100_000 } });
    expect(added.status).toBe(201);
    expect(await json(added)).toMatchObject({ id: 'o3-mini', input_price: 1.1, output_price: 4.4, context_window: 100_000 });
    expect(gw.ctx.state.getSnapshot().models.get('o3-mini')?.prices.input).toBe(1.1);
    expect((await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'o3-mini', provider: 'openai' } })).status).toBe(409);
    expect((await api(gw, 'DELETE', '/api/models/o3-mini', { as: admin })).status).toBe(200);
    expect(gw.ctx.state.getSnapshot().models.has('o3-mini')).toBe(false);

    const providers = await json(await api(gw, 'GET', '/api/providers', { as: admin }));
    expect(providers.data.find((p: any) => p.id === 'mock')).toMatchObject({ enabled: true });
    const groups = await json(await api(gw, 'GET', '/api/groups', { as: admin }));
    expect(groups.data.length).toBeGreaterThan(0);
    expect(Array.isArray(groups.data[0].targets)).toBe(true);

    // Logging out ends the session on PostgreSQL too.
    expect((await api(gw, 'POST', '/api/auth/logout', { as: viewer })).status).toBe(200);
    expect((await api(gw, 'GET', '/api/groups', { as: viewer })).status).toBe(401);
  }, 60_000);

  test('dashboard pages render from PostgreSQL with a cookie session', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    for (const path of ['/', '/logs', '/monitor', '/clients', '/providers', '/models', '/groups', '/users']) {
      const r = await fetch(`${gw.url}${path}`, { headers: { cookie: admin.cookie } });
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expect(await r.text()).not.toContain('Sign in');
    }
    const logs = await (await fetch(`${gw.url}/logs`, { headers: { cookie: admin.cookie } })).text();
    expect(logs).toContain('mock');
    const id = (await json(await api(gw, 'GET', '/api/logs?limit=1', { as: admin }))).data[0].id;
    const detail = await fetch(`${gw.url}/logs/${id}`, { headers: { cookie: admin.cookie } });
    expect(detail.status).toBe(200);
    // Several instances write one log: the detail and the monitor name the one that served.
    expect(await detail.text()).toMatch(/<dt>Instance<\/dt>\s*<dd><code>pg-test-1<\/code>/);
    expect(await (await fetch(`${gw.url}/monitor`, { headers: { cookie: admin.cookie } })).text()).toContain('data-show-instance="true"');
    // Without a session the pages ask for one.
    expect((await fetch(`${gw.url}/logs`, { redirect: 'manual' })).status).not.toBe(200);
  }, 30_000);

  test('the live monitor on PostgreSQL: a viewer socket gets the request; logout ends it at the next check', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'watcher', password: 'watcher-password-1', role: 'viewer' } });
    const viewer = await login(gw, 'watcher', 'watcher-password-1');
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { authorization: `Bearer ${viewer.token}` } } as any);
    const messages: any[] = [];
    let closeCode = 0;
    ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
    ws.onclose = (e) => (closeCode = e.code);
    await until(() => messages.some((m) => m.type === 'hello'));
    const { response } = await gw
      .openai()
      .chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'watch me' }] })
      .withResponse();
    const requestId = response.headers.get('x-request-id');
    await until(() => messages.some((m) => m.type === 'request'));
    expect(messages.find((m) => m.type === 'request').data).toMatchObject({ provider: 'mock' });
    expect(requestId).toBeTruthy();

    const hub = gw.ctx.monitor;
    hub.revalidate(); // session still live: the socket stays
    await Bun.sleep(300);
    expect(closeCode).toBe(0);
    expect((await api(gw, 'POST', '/api/auth/logout', { as: viewer })).status).toBe(200);
    hub.revalidate();
    await until(() => closeCode === 4401);
  }, 30_000);

  test('/metrics carries the instance label', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toContain('gophergate_log_queue_depth{instance="pg-test-1"}');
  });

  test('the log sink writes every column of the table but the id', async () => {
    const sql = new SQL(db.url);
    try {
      const cols = await sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'request_logs'`;
      expect(cols.map((c: any) => c.column_name).filter((c: string) => c !== 'id').sort()).toEqual([...LOG_INSERT_COLUMNS].sort());
    } finally {
      await sql.close();
    }
  });

  test("a request's row in PostgreSQL reads the same in /api/logs, the monitor and the dashboard", async () => {
    const row = await checkLogRowRoundTrip(gw);
    expect(row.instance).toBe('pg-test-1');
  }, 30_000);

  test('the logs list pages and filters on PostgreSQL as on SQLite', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const ids: string[] = [];
    for (const content of ['one', 'two']) {
      const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content }] }).withResponse();
      ids.push(response.headers.get('x-request-id')!);
    }
    const list = async (q: string) => (await json(await api(gw, 'GET', `/api/logs?client_id=${gw.clientId}&${q}`, { as: admin }))).data as any[];
    const deadline = Date.now() + 10_000;
    while (!(await list('limit=1000')).some((r) => r.request_id === ids[1]) && Date.now() < deadline) await Bun.sleep(50);
    const all = await list('limit=1000');
    expect(all.map((r) => r.request_id)).toEqual(expect.arrayContaining(ids));
    const [newest] = await list('limit=1');
    expect(newest.request_id).toBe(all[0].request_id);
    const [next] = await list(`limit=1&before_id=${newest.id}`);
    expect(next.request_id).toBe(all[1].request_id);
    expect((await list('limit=1000&status=ok&endpoint=chat')).map((r) => r.request_id)).toEqual(all.map((r) => r.request_id));
    expect(await list('limit=1000&status=error')).toEqual([]);
  }, 30_000);
});
