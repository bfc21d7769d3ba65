/** The live monitor across instances: the monitor WebSocket on A shows a request served by C. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { login } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

let cluster: Cluster;
beforeAll(async () => {
  // One database, so the admin session made on A is valid on A; the request goes to C.
  cluster = await startCluster(3, { sharedDb: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => cluster?.close());

async function openMonitor(gw: TestGateway): Promise<{ ws: WebSocket; messages: string[] }> {
  const admin = await login(gw, 'admin', 'test-admin-password');
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { cookie: admin.cookie, origin: gw.url } } as any);
  const messages: string[] = [];
  ws.onmessage = (e) => messages.push(String(e.data));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onclose = (e) => reject(new Error(`closed ${e.code}`));
  });
  return { ws, messages };
}

test('the monitor on A shows a request served by C, once, without secrets', async () => {
  const [A, , C] = cluster.nodes as [TestGateway, TestGateway, TestGateway];
  const mon = await openMonitor(A);
  const { data, response } = await C.openai()
    .chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'secret prompt text' }] })
    .withResponse();
  expect(data.object).toBe('chat.completion');
  const id = response.headers.get('x-request-id')!;
  const mine = () => mon.messages.filter((m) => m.includes(id));
  const deadline = Date.now() + 10_000;
  while (mine().length === 0 && Date.now() < deadline) await Bun.sleep(10);
  expect(mine().length).toBe(1);
  const event = JSON.parse(mine()[0]!);
  expect(event).toMatchObject({ type: 'request', data: { request_id: id, provider: 'mock', status: 200 } });
  expect(mon.messages.join('\n')).not.toContain('secret prompt text');
  expect(mon.messages.join('\n')).not.toContain(C.clientKey);

  // A request served by A itself shows once (locally, not again through Redis).
  const own = await A.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }] }).withResponse();
  const ownId = own.response.headers.get('x-request-id')!;
  const end = Date.now() + 10_000;
  while (!mon.messages.some((m) => m.includes(ownId)) && Date.now() < end) await Bun.sleep(10);
  await Bun.sleep(100);
  expect(mon.messages.filter((m) => m.includes(ownId)).length).toBe(1);
  mon.ws.close();
});
