/**
 * A newcomer's first provider: a base URL that is wrong (nothing listens there) fails a few
 * requests, which opens the provider's circuit. Fixing the URL (admin API or Providers page) starts
 * its circuits afresh: the failures were the old address's, and "Test connection" already says OK,
 * so the next request must go to the new address, not answer 503 circuit_open for a cool-down.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { api, login, ADMIN_PASSWORD } from '../helpers/admin-harness';

let up: FakeUpstream;
let gw: TestGateway;
let nothingThere: string;
beforeAll(async () => {
  up = startFakeUpstream((_req, rec) => okCompletion(rec.body?.model ?? 'm'));
  const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') });
  nothingThere = `http://127.0.0.1:${closed.port}/v1`;
  closed.stop(true);
  gw = await startGateway({ env: providerEnv('openai', nothingThere) });
});
afterAll(async () => {
  await gw.close();
  up.close();
});

const chat = () => gw.fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });

test('a fixed base URL is used at once: the circuit the wrong one opened is closed', async () => {
  let last = 0;
  for (let i = 0; i < 10 && last !== 503; i++) last = (await chat()).status;
  const open = await chat();
  expect(open.status).toBe(503);
  expect((await open.json()).error.code).toBe('circuit_open');

  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const patched = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url: `${up.url}/v1` } });
  expect(patched.status).toBe(200);
  expect((await patched.json()).circuit).toBe('closed');

  const fixed = await chat();
  expect(fixed.status).toBe(200);
  expect(up.requests.length).toBe(1);
});
