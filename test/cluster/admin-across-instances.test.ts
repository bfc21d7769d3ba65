/**
 * The admin API of three in-process gateways (real PostgreSQL log writers) on one fresh PostgreSQL
 * database and one Redis prefix, as an organisation runs them: team names unique up to case and
 * spaces when two instances create them at once; a provider key's weight and label changed through
 * one instance in force on the others (change notices), as is a base URL stored through one;
 * /api/clients and /api/teams paged while another instance inserts (no row twice, none missed);
 * the logs' status=error filter lists the failed rows every instance wrote.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { startCluster, type Cluster } from '../redis/cluster';

setDefaultTimeout(60_000);

let fake: FakeUpstream;
let db: TestDatabase;
let c: Cluster;
let admin: Session;
/** Whether the fake refuses (400: not retryable, so no circuit opens) instead of answering the chat fixture. */
let failing = false;
/** Resolved once the client read the first bytes of a stream the fake then cuts (so the cut comes after the start). */
let clientRead = Promise.withResolvers<void>();

const N = () => c.nodes;
const A = () => c.nodes[0]!;
const B = () => c.nodes[1]!;

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => rec.body?.stream ? sseResponse(readChunks('openai', 'text.chunks.txt'), { cutAfter: 4, holdAt: { at: 4, until: clientRead.promise } }) : (failing ? jsonResponse({ error: { message: 'bad thing', type: 'invalid_request_error', code: null } }, 400) : jsonResponse(fixtureJson('openai', 'chat.json'))));
  db = await createTestDatabase('gg_cluster_admin');
  c = await startCluster(3, { env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__DATABASE__URL: db.url }, each: (i) => ({ storeLogs: true, env: { LLM_PROXY__INSTANCE_ID: `gw-${i}` } }) });
  admin = await login(A(), 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
  fake?.close();
});

const call = (gw: TestGateway, method: string, path: string, body?: unknown) => api(gw, method, path, { as: admin, body });

/** Every row of a paged admin list, 7 a page through `gw`, each page continuing after the last id of the one before. */
async function pageThrough<T extends { id: number }>(gw: TestGateway, path: string, cursorName: string): Promise<T[]> {
  const seen: T[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = (await json(await call(gw, 'GET', `${path}?limit=7${cursor ? `&${cursorName}=${cursor}` : ''}`))).data as T[];
    if (!page.length) return seen;
    seen.push(...page);
    cursor = page.at(-1)!.id;
    await Bun.sleep(10);
  }
}

describe('admin API across A, B and C', () => {
  test("'Research' on A and 'research ' on B at the same moment: one 201, one 409 team_exists", async () => {
    for (let round = 0; round < 5; round++) {
      const name = `Research${round}`;
      const [a, b, cc] = await Promise.all([call(N()[0]!, 'POST', '/api/teams', { name }), call(N()[1]!, 'POST', '/api/teams', { name: `${name.toLowerCase()} ` }), call(N()[2]!, 'POST', '/api/teams', { name: name.toUpperCase() })]);
      const statuses = [a.status, b.status, cc.status].sort();
      expect(statuses).toEqual([201, 409, 409]);
      for (const r of [a, b, cc]) if (r.status === 409) expect((await json(r)).error.code).toBe('team_exists');
    }
    const teams = (await json(await call(A(), 'GET', '/api/teams'))).data as { name: string }[];
    expect(teams.filter((t) => t.name.toLowerCase().startsWith('research')).length).toBe(5);
  });

  test("a team renamed to 'Zeta' on A while B creates 'zeta ' and C renames another to 'ZETA': one wins, the others 409", async () => {
    const make = async (name: string) => (await json(await call(A(), 'POST', '/api/teams', { name }))).id as number;
    const [t1, t2] = [await make('rename-one'), await make('rename-two')];
    const out = await Promise.all([
      call(N()[0]!, 'PATCH', `/api/teams/${t1}`, { name: 'Zeta' }),
      call(N()[1]!, 'POST', '/api/teams', { name: 'zeta ' }),
      call(N()[2]!, 'PATCH', `/api/teams/${t2}`, { name: 'ZETA' }),
    ]);
    const ok = out.filter((r) => r.status < 300);
    expect(ok.length).toBe(1);
    for (const r of out.filter((r) => r.status >= 300)) expect([r.status, (await json(r)).error.code]).toEqual([409, 'team_exists']);
    const teams = (await json(await call(B(), 'GET', '/api/teams'))).data as { name: string }[];
    expect(teams.filter((t) => t.name.trim().toLowerCase() === 'zeta').length).toBe(1);
  });

  test("a pool key's weight and label PATCHed through A: B and C list them and spread by them", async () => {
    const add = async (key: string) => (await json(await call(A(), 'POST', '/api/providers/openai/keys', { key, label: key.slice(-4) }))).id as string;
    const k1 = await add('sk-pool-key-aaaaaaaaaaaa1111');
    const k2 = await add('sk-pool-key-bbbbbbbbbbbb2222');
    const patched = await call(A(), 'PATCH', `/api/providers/openai/keys/${k2}`, { weight: 1000, label: 'heavy' });
    expect(patched.status).toBe(200);
    for (const gw of N().slice(1)) {
      const listed = async () => ((await json(await call(gw, 'GET', '/api/providers/openai'))).keys as any[]).some((k) => k.id === k2 && k.weight === 1000 && k.label === 'heavy');
      expect(await eventually(listed, 10_000, 20)).toBe(true);
    }
    // With weights 1000 to 1 (and the env key's 1), B's and C's next requests go to the heavy key.
    const before = fake.requests.length;
    for (const gw of N().slice(1)) for (let i = 0; i < 5; i++) await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const used = fake.requests.slice(before).map((r) => r.headers.authorization);
    expect(used.filter((a) => a === 'Bearer sk-pool-key-bbbbbbbbbbbb2222').length).toBeGreaterThanOrEqual(8);
    await call(A(), 'DELETE', `/api/providers/openai/keys/${k1}`);
    await call(A(), 'DELETE', `/api/providers/openai/keys/${k2}`);
  });

  test('a base URL pasted with its endpoint path, stored through A, is normalised and used by B and C', async () => {
    const r = await call(A(), 'PATCH', '/api/providers/openai', { base_url: `${fake.url}/v1/chat/completions/` });
    expect(r.status).toBe(200);
    const view = await json(r);
    expect(view.base_url).toBe(`${fake.url}/v1`);
    expect(view.base_url_note).toBeString();
    for (const gw of N().slice(1)) {
      const seen = async () => (await json(await call(gw, 'GET', '/api/providers/openai'))).base_url === `${fake.url}/v1`;
      expect(await eventually(seen, 10_000, 20)).toBe(true);
      const before = fake.requests.length;
      await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
      expect(fake.requests.slice(before).map((q) => q.path)).toEqual(['/v1/chat/completions']);
    }
  });

  test('/api/clients paged through A while B and C create keys: every key that existed is listed once, in order', async () => {
    for (let i = 0; i < 30; i++) expect((await call(N()[i % 3]!, 'POST', '/api/clients', { name: `page-${i}` })).status).toBe(201);
    const existing = ((await json(await call(A(), 'GET', '/api/clients'))).data as { id: number }[]).map((r) => r.id);
    let stop = false;
    const inserts = [1, 2].map(async (n) => {
      for (let i = 0; !stop; i++) await call(N()[n]!, 'POST', '/api/clients', { name: `late-${n}-${i}` });
    });
    const seen = await pageThrough<{ id: number; created_at: number }>(A(), '/api/clients', 'before_id');
    stop = true;
    await Promise.all(inserts);
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of existing) expect(ids).toContain(id);
    for (let i = 1; i < seen.length; i++) {
      const [p, q] = [seen[i - 1]!, seen[i]!];
      expect(p.created_at > q.created_at || (p.created_at === q.created_at && p.id > q.id)).toBe(true);
    }
  });

  test('/api/teams paged by name through B while A and C create teams: every team that existed is listed once, in name order', async () => {
    for (let i = 0; i < 30; i++) expect((await call(N()[i % 3]!, 'POST', '/api/teams', { name: `pg-team-${String(i).padStart(2, '0')}` })).status).toBe(201);
    const existing = ((await json(await call(A(), 'GET', '/api/teams'))).data as { id: number }[]).map((r) => r.id);
    let stop = false;
    const inserts = [0, 2].map(async (n) => {
      for (let i = 0; !stop; i++) await call(N()[n]!, 'POST', '/api/teams', { name: `pg-team-${n}-late-${i}` });
    });
    const seen = await pageThrough<{ id: number; name: string }>(N()[1]!, '/api/teams', 'after_id');
    stop = true;
    await Promise.all(inserts);
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of existing) expect(ids).toContain(id);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1]!.name < seen[i]!.name).toBe(true);
  });

  test("the logs' status=error filter lists the failed rows of every instance, and no successful one", async () => {
    const k = await json(await call(A(), 'POST', '/api/clients', { name: 'errors-everywhere' }));
    const ids: { failed: string[]; ok: string[] } = { failed: [], ok: [] };
    const send = async (gw: TestGateway) => {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      return { status: r.status, id: r.headers.get('x-request-id')! };
    };
    for (const gw of N()) expect(await eventually(async () => (await send(gw)).status === 200, 10_000)).toBe(true);
    failing = true;
    for (const gw of N()) for (let i = 0; i < 2; i++) {
      const r = await send(gw);
      expect(r.status).toBe(400);
      ids.failed.push(r.id);
    }
    failing = false;
    // A stream cut after it started: its row is 200 with an error type, a failed row too.
    for (const gw of N()) {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(r.status).toBe(200);
      const reader = r.body!.getReader();
      await reader.read();
      clientRead.resolve();
      while (!(await reader.read()).done);
      clientRead = Promise.withResolvers<void>();
      ids.failed.push(r.headers.get('x-request-id')!);
    }
    for (const gw of N()) {
      const r = await send(gw);
      expect(r.status).toBe(200);
      ids.ok.push(r.id);
    }
    const listed = async (gw: TestGateway) => ((await json(await call(gw, 'GET', `/api/logs?status=error&client_id=${k.id}&limit=100`))).data as { request_id: string; status: number; instance: string }[]);
    expect(await eventually(async () => (await listed(A())).length >= ids.failed.length, 10_000, 50)).toBe(true);
    for (const gw of N()) {
      const rows = await listed(gw);
      expect(rows.map((r) => r.request_id).sort()).toEqual([...ids.failed].sort());
      expect(new Set(rows.map((r) => r.instance)).size).toBe(3);
      // Paged (3 a page, before_id): the same rows, none twice.
      const paged: string[] = [];
      let before: number | undefined;
      for (;;) {
        const page = (await json(await call(gw, 'GET', `/api/logs?status=error&client_id=${k.id}&limit=3${before ? `&before_id=${before}` : ''}`))).data as { id: number; request_id: string }[];
        if (!page.length) break;
        paged.push(...page.map((r) => r.request_id));
        before = page.at(-1)!.id;
      }
      expect(paged.sort()).toEqual([...ids.failed].sort());
    }
  });
});
