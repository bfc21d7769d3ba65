/**
 * A client created (or renamed) after a monitor socket opened is named in the live events: the
 * name comes from the in-memory snapshot, and nothing else about the client (its key) is sent.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import type { TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login, startAdminGateway } from '../helpers/admin-harness';
import { openMonitor } from '../helpers/monitor-socket';

// Starts a gateway, signs in and waits for monitor messages: seconds on a loaded CI machine. A
// limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
beforeAll(async () => {
  gw = await startAdminGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

test('events carry the current client name, never its key', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const { events, close } = await openMonitor(gw, admin);
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 15_000;
    while (events.length < n && Date.now() < deadline) await Bun.sleep(10);
    expect(events.length).toBe(n);
    return events[n - 1];
  };

  // Created after the socket (and any page) opened.
  const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: '<b>late</b> client' } }));
  const openai = new OpenAI({ apiKey: c.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  await openai.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  expect(await waitFor(1)).toMatchObject({ client_id: c.id, client_name: '<b>late</b> client' });

  await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { name: 'renamed' } });
  await openai.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  expect(await waitFor(2)).toMatchObject({ client_id: c.id, client_name: 'renamed' });

  expect(JSON.stringify(events)).not.toContain(c.key);
  expect(JSON.stringify(events)).not.toContain('key_hash');
  close();
});
