/**
 * Three gateway PROCESSES (`bun src/main.ts`) on one PostgreSQL database and one Redis prefix,
 * sharing an encryption key, in front of a fake upstream on loopback (~30 ms per answer). The
 * official openai client spreads requests over the three. A key revoked on A is refused by B and
 * C (their notice, or their poll of each second); kill -9 of C under load leaves A and B answering everything sent to them, each
 * answer with its row in PostgreSQL; RPM is exact across the processes.
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';

setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'cluster-admin-password';
const PROVIDER_KEY = 'sk-cluster-provider-0123456789';
const body = { model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };

let fake: FakeUpstream;
let db: TestDatabase;
let pg: SQL;
let prefix: string;
let dir: string;
let A: GatewayProcess, B: GatewayProcess, C: GatewayProcess;
let token: string;

const start = () =>
  startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: ADMIN_PASSWORD,
    env: {
      ...redisEnv(prefix),
      LLM_PROXY__DATABASE__URL: db.url,
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: PROVIDER_KEY,
    },
  });

beforeAll(async () => {
  fake = startFakeUpstream(async () => (await Bun.sleep(30), jsonResponse(fixtureJson('openai', 'chat.json'))));
  dir = mkdtempSync(join(tmpdir(), 'gg-cluster-'));
  prefix = randomPrefix();
  db = await createTestDatabase('gg_cluster');
  pg = new SQL({ url: db.url, max: 2 });
  A = await start(); // creates and migrates the database
  [B, C] = await Promise.all([start(), start()]);
  const login = await fetch(`${A.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as any).token;
});

afterAll(async () => {
  for (const p of [A, B, C]) p?.proc.kill('SIGKILL');
  await Promise.all([A, B, C].filter(Boolean).map((p) => p.proc.exited));
  await pg?.close();
  await db?.drop();
  await deleteKeys(prefix);
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Creates a client through /api on A; returns its id and key. */
async function createKey(name: string, extra: Record<string, unknown> = {}): Promise<{ id: number; key: string }> {
  const r = await fetch(`${A.url}/api/clients`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name, ...extra }),
  });
  expect(r.status).toBeLessThan(300);
  const j = (await r.json()) as any;
  return { id: j.id, key: j.key };
}

const client = (p: GatewayProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: 15_000 });
const status = (p: GatewayProcess, key: string) =>
  client(p, key).chat.completions.create(body).then(() => 200, (e) => (e as InstanceType<typeof OpenAI.APIError>).status ?? 0);

describe('three gateway processes on one PostgreSQL and one Redis', () => {
  test('a key created on A works on all three; revoked on A, B and C refuse it', async () => {
    const k = await createKey('revoke-me');
    for (const p of [A, B, C]) expect(await eventually(async () => (await status(p, k.key)) === 200, 10_000)).toBe(true);
    const del = await fetch(`${A.url}/api/clients/${k.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(200);
    const [b, c] = await Promise.all([B, C].map((p) => eventually(async () => (await status(p, k.key)) === 401, 10_000)));
    expect(b).toBe(true);
    expect(c).toBe(true);
  });

  test('RPM is exact across the processes: N allowed in total, not N per process', async () => {
    const k = await createKey('rpm-cluster', { rpm: 5 });
    // Known (with its limit, made in the same row) on all three before the burst: /v1/models
    // authenticates the key without counting toward its RPM.
    const known = (p: GatewayProcess) => fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } }).then((r) => r.status === 200);
    for (const p of [A, B, C]) expect(await eventually(() => known(p), 10_000)).toBe(true);
    const nodes = [A, B, C];
    const results = await Promise.allSettled(Array.from({ length: 15 }, (_, i) => client(nodes[i % 3]!, k.key).chat.completions.create(body)));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(5);
    for (const r of results) if (r.status === 'rejected') expect([r.reason.status, r.reason.code]).toEqual([429, 'rate_limit_exceeded']);
  });

  test('kill -9 of C under load: A and B answer every request sent to them, each with its row in PostgreSQL', async () => {
    const k = await createKey('load');
    const nodes = [A, B, C];
    for (const p of nodes) expect(await eventually(async () => (await status(p, k.key)) === 200, 10_000)).toBe(true);
    const answered: { node: number; id: string }[] = [];
    const failedAB: string[] = [];
    let stop = false;
    const worker = async (node: number) => {
      const c = client(nodes[node]!, k.key);
      while (!stop) {
        try {
          const { response } = await c.chat.completions.create(body).withResponse();
          answered.push({ node, id: response.headers.get('x-request-id')! });
        } catch (e) {
          if (node !== 2) failedAB.push(String(e));
          else if (stop || C.proc.killed) return;
        }
      }
    };
    const load = [0, 1, 2, 0, 1, 2, 0, 1, 2].map(worker);
    await eventually(() => answered.filter((a) => a.node === 2).length >= 5 && fake.requests.length > 30, 10_000, 5);
    C.proc.kill('SIGKILL');
    await C.proc.exited;
    const atKill = answered.filter((a) => a.node !== 2).length;
    await eventually(() => answered.filter((a) => a.node !== 2).length >= atKill + 30, 10_000);
    stop = true;
    await Promise.all(load);
    expect(failedAB).toEqual([]);
    const ab = answered.filter((a) => a.node !== 2).map((a) => a.id);
    expect(ab.length).toBeGreaterThan(atKill);
    // The log writer flushes in batches: wait for the rows rather than assume a delay.
    const missing = async () => {
      const rows = (await pg`SELECT request_id FROM request_logs WHERE request_id IN ${pg(ab)}`) as { request_id: string }[];
      const have = new Set(rows.map((r) => r.request_id));
      return ab.filter((id) => !have.has(id));
    };
    await eventually(async () => (await missing()).length === 0, 10_000, 100);
    expect(await missing()).toEqual([]);
  });
});
