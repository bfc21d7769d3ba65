/**
 * A pool key changed by an admin while a request with the old one is still out: the old key's
 * late 401 is about a key no longer in the pool, so the new key under the same id (`main`) stays active.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { setProviderSettings } from '../../src/admin/providers-service';
import { jsonResponse, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const OLD = 'sk-dashboard-old-key-0000OLD1';
const NEW = 'sk-dashboard-new-key-0000NEW2';
let openai: FakeUpstream;
let gw: TestGateway;
let arrived!: () => void;
const oldArrived = new Promise<void>((r) => (arrived = r));
let release!: () => void;
const released = new Promise<void>((r) => (release = r));

// The old key was revoked at the provider: its answer (a 401) comes once the test lets it.
const handler: FakeHandler = async (req, rec, fake) => {
  if (req.headers.get('authorization') === `Bearer ${OLD}`) {
    arrived();
    await released;
    return jsonResponse({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, 401);
  }
  return replayJson('openai', 'chat.json')(req, rec, fake);
};

beforeAll(async () => {
  openai = startFakeUpstream(handler);
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  await setProviderSettings(gw.ctx, 'openai', { api_key: OLD });
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

const chat = () => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });

test("the old key's late 401 does not set aside the new key an admin put in its place", async () => {
  const inFlight = chat();
  await oldArrived;
  await setProviderSettings(gw.ctx, 'openai', { api_key: NEW });
  release();
  const res = await inFlight;
  expect(res.status).toBe(502);
  expect(((await res.json()) as any).error.code).toBe('upstream_auth_failed');
  await gw.waitForRow(res);
  expect(gw.ctx.keyPool.stateOf('openai', 'main')).toEqual({ state: 'active' });
  const next = await chat();
  expect(next.status).toBe(200);
  expect(openai.last().headers.authorization).toBe(`Bearer ${NEW}`);
});
