/**
 * Two instances started at the same moment on one empty PostgreSQL database (migrations and seed
 * under the advisory lock: the database set up once), then PostgreSQL dropping every connection of
 * theirs (pg_terminate_backend, what a failover or an admin's kill does) again and again while the
 * official openai client keeps both busy: every answered request has its one row, none is lost
 * nor written twice, and the rollups count each once.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { api, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { createTestDatabase, PG_SERVER_URL, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

let db: TestDatabase;
let pg: SQL;
let nodes: TestGateway[] = [];

const start = (id: string) =>
  startGateway({
    storeLogs: true,
    env: { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
  });

beforeAll(async () => {
  db = await createTestDatabase('gg_pg_killed');
  pg = new SQL({ url: db.url, max: 2 });
  nodes = await Promise.all([start('gw-a'), start('gw-b'), start('gw-c')]);
  // As main.ts does: without Redis, each sees the others' admin changes through the 1-second poll.
  for (const gw of nodes) gw.ctx.state.watch();
});

/** A key made through A's admin API, once every instance knows it. */
async function createKey(name: string): Promise<{ id: number; key: string }> {
  const r = await api(nodes[0]!, 'POST', '/api/clients', { as: await login(nodes[0]!, 'admin', ADMIN_PASSWORD), body: { name } });
  expect(r.status).toBe(201);
  const k = (await r.json()) as { id: number; key: string };
  for (const gw of nodes) expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.has(k.id) === true, 10_000)).toBe(true);
  return k;
}

afterAll(async () => {
  for (const gw of nodes) {
    gw.ctx.state.stop();
    await gw.close();
  }
  await pg?.close();
  await db?.drop();
});

test('three instances started at once on an empty database: migrated and seeded once', async () => {
  const [users] = await pg`SELECT count(*)::int AS n FROM users`;
  expect(users.n).toBe(1);
  const [dupModels] = await pg`SELECT count(*)::int AS n FROM (SELECT id FROM models GROUP BY id HAVING count(*) > 1) d`;
  expect(dupModels.n).toBe(0);
  const migrations = await pg`SELECT hash, count(*)::int AS n FROM drizzle.__drizzle_migrations GROUP BY hash HAVING count(*) > 1`;
  expect(migrations).toEqual([]);
  // Each instance sees the same models, and a key made on one works on the others.
  const k = await createKey('started-at-once');
  for (const gw of nodes) {
    expect((await gw.openai(k.key).chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'hi' }] })).object).toBe('chat.completion');
  }
});

test("PostgreSQL kills the instances' connections under load: every answered request has exactly one row", async () => {
  const k = await createKey('killed-connections');
  const answered: string[] = [];
  const failed: string[] = [];
  let stop = false;
  const worker = async (gw: TestGateway) => {
    const client = gw.openai(k.key);
    while (!stop) {
      try {
        const { response } = await client.chat.completions.create({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'log me' }] }).withResponse();
        answered.push(response.headers.get('x-request-id')!);
      } catch (e) {
        failed.push(String(e));
      }
    }
  };
  const load = [...nodes, ...nodes].map(worker);
  const admin = new SQL({ url: PG_SERVER_URL, max: 1 });
  let kills = 0;
  try {
    for (let round = 0; round < 6; round++) {
      const before = answered.length;
      await eventually(() => answered.length >= before + 20, 10_000, 5);
      const r = await admin`SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${db.name} AND pid <> pg_backend_pid()) t`;
      kills += r[0].n;
    }
  } finally {
    stop = true;
    await Promise.all(load);
    await admin.close();
  }
  expect(kills).toBeGreaterThan(0);
  // /v1 never needed PostgreSQL: nothing failed.
  expect(failed).toEqual([]);
  // A new reader: the kills closed the test's own connections too.
  const reader = new SQL({ url: db.url, max: 1 });
  const counts = async () => {
    const rows = (await reader`SELECT request_id, count(*)::int AS n FROM request_logs WHERE client_id = ${k.id} GROUP BY request_id`) as { request_id: string; n: number }[];
    return new Map(rows.map((r) => [r.request_id, r.n]));
  };
  expect(await eventually(async () => {
    const have = await counts();
    return answered.every((id) => have.has(id));
  }, 20_000, 100)).toBe(true);
  const have = await counts();
  expect(answered.filter((id) => !have.has(id))).toEqual([]);
  expect([...have.values()].filter((n) => n !== 1)).toEqual([]);
  expect(have.size).toBe(answered.length);
  const [rolled] = await reader`SELECT coalesce(sum(requests), 0)::int AS n FROM usage_client_daily WHERE client_id = ${k.id}`;
  await reader.close();
  expect(rolled.n).toBe(answered.length);
  for (const gw of nodes) expect(gw.ctx.logSink.stats().dropped).toBe(0);
});
