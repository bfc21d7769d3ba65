/**
 * Change notices: two gateways on one database and one Redis prefix. An admin change made
 * through A is in force on B by A's notice alone: B never polls the database (tests never call watch()).
 * The checks wait up to 10 s, for a loaded machine; what brings the change is the notice either way.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { api, json, login } from '../helpers/admin-harness';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

let upstream: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let B: TestGateway;

beforeAll(async () => {
  upstream = startFakeUpstream(replayJson('openai', 'chat.json'));
  cluster = await startCluster(2, { sharedDb: true, env: providerEnv('openai', `${upstream.url}/v1`) });
  [A, B] = cluster.nodes as [TestGateway, TestGateway];
});
afterAll(async () => {
  await cluster?.close();
  upstream?.close();
});

const chatOn = (gw: TestGateway, key: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('change notices', () => {
  test('a key created on A works on B, and once revoked on A is refused by B', async () => {
    const admin = await login(A, 'admin', 'test-admin-password');
    const created = await json(await api(A, 'POST', '/api/clients', { as: admin, body: { name: 'notice-key' } }));
    expect(await eventually(async () => (await chatOn(B, created.key)).status === 200, 10_000)).toBe(true);

    const revoked = await api(A, 'DELETE', `/api/clients/${created.id}`, { as: admin });
    expect(revoked.status).toBe(200);
    expect(await eventually(async () => (await chatOn(B, created.key)).status === 401, 10_000)).toBe(true);
  });

  test("a price changed on A is used by B's next request", async () => {
    const admin = await login(A, 'admin', 'test-admin-password');
    const before = B.ctx.state.getSnapshot();
    const r = await api(A, 'PATCH', `/api/models/${encodeURIComponent('gpt-4o-mini')}`, { as: admin, body: { input_price: 1000, output_price: 2000 } });
    expect(r.status).toBe(200);
    // The notice lands; B's next request is then billed at the new price.
    expect(await eventually(() => B.ctx.state.getSnapshot() !== before, 10_000)).toBe(true);
    const res = await chatOn(B, B.clientKey);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const rows = await B.waitForLogs(1);
    const row = rows.find((l) => l.requestId === id)!;
    expect(row.promptTokens).toBeGreaterThan(0);
    const expected = (row.promptTokens * 1000 + row.completionTokens * 2000) / 1_000_000;
    expect(row.costUsd).toBeCloseTo(expected, 9);
  });

  test('a session signed out on A is refused by B (B had it cached)', async () => {
    const s = await login(A, 'admin', 'test-admin-password');
    expect((await api(B, 'GET', '/api/auth/me', { as: s })).status).toBe(200);
    expect((await api(A, 'POST', '/api/auth/logout', { as: s })).status).toBeLessThan(300);
    expect(await eventually(async () => (await api(B, 'GET', '/api/auth/me', { as: s })).status === 401, 10_000)).toBe(true);
  });

  test("a session signed out on A ends its live monitor on B at once (not at B's periodic check)", async () => {
    const s = await login(A, 'admin', 'test-admin-password');
    const ws = new WebSocket(`${B.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { authorization: `Bearer ${s.token}` } } as any);
    const seen = { code: null as number | null };
    ws.onclose = (e) => (seen.code = e.code);
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = () => resolve(); // the hello
      ws.onerror = () => reject(new Error('monitor socket refused'));
    });
    expect((await api(A, 'POST', '/api/auth/logout', { as: s })).status).toBeLessThan(300);
    // Well inside B's 15 s periodic check of its sockets, yet long enough for a loaded machine.
    expect(await eventually(() => seen.code === 4401, 4_000)).toBe(true);
  });
});
