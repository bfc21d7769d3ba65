/** The Providers page's key pool, over real HTTP as the dashboard's forms send it. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { scopedSlot } from '../../src/key-pool/key-slots';
import { makeUser, login } from '../helpers/admin-harness';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { envSlot } from '../helpers/env-key';

setDefaultTimeout(30_000);

const KEY = 'sk-dash-PLAINTEXT-pool-key-<b>Q9Z8';
let gw: TestGateway;
let admin: { cookie: string; csrf: string };
let viewer: { cookie: string; csrf: string };

async function signIn(username: string, password: string, at = gw) {
  const r = await fetch(`${at.url}/login`, { method: 'POST', body: new URLSearchParams({ username, password }), redirect: 'manual' });
  const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${at.url}/providers`, { headers: { cookie } })).text();
  const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
  return { cookie, csrf };
}
const post = (as: { cookie: string; csrf: string }, path: string, body: Record<string, string> = {}, at = gw) =>
  fetch(`${at.url}${path}`, { method: 'POST', headers: { cookie: as.cookie, 'x-csrf-token': as.csrf, 'hx-request': 'true' }, body: new URLSearchParams(body) });
const page = async (as: { cookie: string }) => (await fetch(`${gw.url}/providers`, { headers: { cookie: as.cookie } })).text();

/** The key pool section of one provider in a page or fragment. */
function poolOf(html: string, provider: string): string {
  const start = html.indexOf(`id="provider-keys-${provider}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
}

beforeAll(async () => {
  gw = await startGateway({ env: providerEnv('openai', 'http://127.0.0.1:9/v1') });
  admin = await signIn('admin', 'test-admin-password');
  await makeUser(gw, await login(gw, 'admin', 'test-admin-password'), 'viewer1', 'viewer');
  viewer = await signIn('viewer1', 'viewer1-password-1');
});
afterAll(() => gw.close());

test('the Providers page lists the pool with states; an admin adds and removes keys there', async () => {
  const before = poolOf(await page(admin), 'openai');
  expect(before).toContain('••••6789');
  expect(before).toContain('data-state="active"');
  expect(before).toContain('hx-post="/providers/openai/keys"');

  const added = await post(admin, '/providers/openai/keys', { key: KEY, label: 'night <shift>', weight: '2' });
  expect(added.status).toBe(200);
  const html = await added.text();
  expect(html).not.toContain(KEY);
  expect(html).toContain('••••Q9Z8');
  expect(html).toContain('night &lt;shift&gt;'); // escaped
  const id = /data-key-id="(\d+)"/.exec(html)![1]!;

  gw.ctx.keyPool.states.coolUntil('openai', id, Date.now() + 60_000);
  gw.ctx.keyPool.states.setAside('openai', envSlot(gw), Date.now());
  gw.ctx.keyPool.states.setAside('openai', scopedSlot(id, 'gpt-4.1'), Date.now());
  const states = poolOf(await page(viewer), 'openai');
  expect(states).toContain('data-model-state="set_aside">gpt-4.1: set aside');
  expect(states).toContain(`data-key-id="${id}" data-state="cooling"`);
  expect(states).toContain('cooling until');
  expect(states).toContain('data-key-id="env" data-state="set_aside"');
  expect(states).not.toContain(KEY);
  // Viewers see the pool but no controls.
  expect(states).not.toContain('hx-post');

  const dup = await post(admin, '/providers/openai/keys', { key: KEY });
  expect(dup.status).toBe(422);
  expect(await dup.text()).toContain('already in the openai pool');

  const removed = await post(admin, `/providers/openai/keys/${id}/delete`);
  expect(removed.status).toBe(200);
  expect(await removed.text()).not.toContain('••••Q9Z8');
  expect(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.length).toBe(1);
});

test('a key another instance added a moment ago (not yet in this one\'s snapshot) is refused inline too', async () => {
  const other = await startGateway({ env: { ...providerEnv('openai', 'http://127.0.0.1:9/v1'), LLM_PROXY__DATABASE__PATH: gw.ctx.config.database.path } });
  try {
    const twin = 'sk-dash-twin-key-000000';
    const added = await post(admin, '/providers/openai/keys', { key: twin, label: 'twin' });
    expect(added.status).toBe(200);
    const dup = await post(await signIn('admin', 'test-admin-password', other), '/providers/openai/keys', { key: twin }, other);
    expect(dup.status).toBe(422);
    expect(await dup.text()).toContain('already in the openai pool');
    const id = /data-key-id="(\d+)"/.exec(await added.text())![1]!; // the pool's only added key (the first test removed its own)
    expect((await post(admin, `/providers/openai/keys/${id}/delete`)).status).toBe(200);
  } finally {
    await other.close();
  }
});

test('viewers cannot add or remove keys from the dashboard', async () => {
  expect((await post(viewer, '/providers/openai/keys', { key: 'sk-viewer-key-000000' })).status).toBe(403);
  expect((await post(viewer, '/providers/openai/keys/env/delete')).status).toBe(403);
  expect(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.length).toBe(1);
});

test('the Logs detail names the provider key the request used', async () => {
  const { requestLogs } = await import('../../src/db/schema');
  const row = gw.ctx.db
    .insert(requestLogs)
    .values({ createdAt: Date.now(), requestId: 'kp-detail', endpoint: 'chat', modelRequested: 'gpt-4o-mini', provider: 'openai', status: 200, providerKeyId: 'env' })
    .returning({ id: requestLogs.id })
    .get();
  const html = await (await fetch(`${gw.url}/logs/${row.id}`, { headers: { cookie: viewer.cookie } })).text();
  expect(html).toContain('Provider key');
  expect(html).toContain('env ••••6789');
  expect(html).not.toContain('sk-test-openai-key-0123456789');
});
