import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login, startAdminGateway } from '../helpers/admin-harness';

// Starts a gateway, signs in and waits for a monitor message: seconds on a loaded CI machine. A
// limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
beforeAll(async () => {
  gw = await startAdminGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

test('a chat request made with a key created through the API shows up live on the monitor, without secrets', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const client = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'monitored' } }));

  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { cookie: admin.cookie, origin: gw.url } } as any);
  const messages: string[] = [];
  ws.onmessage = (e) => messages.push(String(e.data));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onclose = (e) => reject(new Error(`closed ${e.code}`));
  });

  const openai = new OpenAI({ apiKey: client.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const completion = await openai.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'secret prompt text' }] });
  expect(completion.object).toBe('chat.completion');

  const deadline = Date.now() + 15_000;
  while (!messages.some((m) => m.includes('"type":"request"')) && Date.now() < deadline) await Bun.sleep(10);
  const event = JSON.parse(messages.find((m) => m.includes('"type":"request"'))!);
  expect(event.data).toMatchObject({ client_id: client.id, provider: 'mock', status: 200, stream: false });
  const all = messages.join('\n');
  expect(all).not.toContain(client.key);
  expect(all).not.toContain(admin.token);
  expect(all).not.toContain('secret prompt text');
  expect(all.toLowerCase()).not.toContain('authorization');
  ws.close();
});
