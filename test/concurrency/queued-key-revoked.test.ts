/**
 * A request waiting for an upstream slot (LLM_PROXY__UPSTREAM__MAX_CONNECTIONS full) whose client
 * key an admin revokes, or lets expire, meanwhile: once a slot frees it is refused with the 401 the
 * key gets now, in its endpoint's error shape, nothing is sent upstream, and it leaves one row.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, api, login, type Session } from '../helpers/admin-harness';
import { jsonResponse } from '../helpers/fake-upstream';
import { heldUpstream, healthWhen } from '../helpers/held-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

// Gateways and held requests: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const MODEL = 'openai/gpt-4o-mini';
const ask = [{ role: 'user' as const, content: 'hi' }];

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** One slot, a long queue; client key K, and the admin signed in. */
async function setup(atOnce?: Parameters<typeof heldUpstream>[0]) {
  const up = heldUpstream(atOnce);
  const gw = await startGateway({
    env: { ...providerEnv('openai', `${up.fake.url}/v1`), LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '1', LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S: '20' },
  });
  cleanup.push(() => up.fake.close(), () => gw.close(), () => up.releaseAll());
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const k = gw.addClient('K');
  return { up, gw, admin, k };
}

/**
 * K's first request holds the only slot; `queued` (K's second) waits for it; `change` runs (an
 * admin's act) while it waits; then the first is let go and answers 200. Returns the queued one's outcome to come.
 */
async function whileQueued<T>(s: Awaited<ReturnType<typeof setup>>, queued: () => Promise<T>, change: () => Promise<unknown>) {
  const first = s.gw.openai(s.k.key).chat.completions.create({ model: MODEL, messages: ask });
  await s.up.held(1);
  const second = queued().then(
    (value) => ({ value, error: null }),
    (error: unknown) => ({ value: null, error }),
  );
  await healthWhen(s.gw, (h) => h.upstream.waiting === 1, 'the second request waiting');
  await change();
  s.up.releaseOne();
  expect((await first).choices[0]!.message.content).toBeString();
  // In an object: returned as it is, the outcome would be awaited here, before a test lets it go upstream.
  return { outcome: second };
}

const revoke = (gw: TestGateway, admin: Session, id: number) => async () => expect((await api(gw, 'DELETE', `/api/clients/${id}`, { as: admin })).status).toBe(200);

/** Nothing held: the refused request gave its slot back, and a good key is served at once. */
async function slotGivenBack(gw: TestGateway, up: ReturnType<typeof heldUpstream>) {
  await healthWhen(gw, (h) => h.upstream.in_use === 0 && h.upstream.waiting === 0, 'the slot given back');
  const next = gw.openai().chat.completions.create({ model: 'openai/gpt-4o', messages: ask });
  await up.held(1);
  up.releaseOne();
  await next;
}

describe('a key revoked or expired while its request waits for a slot', () => {
  test('/v1/chat/completions: 401 in OpenAI shape, never sent upstream, one row', async () => {
    const s = await setup();
    const { error } = await (await whileQueued(s, () => s.gw.openai(s.k.key).chat.completions.create({ model: MODEL, messages: ask }), revoke(s.gw, s.admin, s.k.id))).outcome;
    const err = await apiError(Promise.reject(error));
    expect(err.status).toBe(401);
    expect(err.error).toEqual({ message: 'Incorrect or revoked API key.', type: 'authentication_error', param: null, code: 'invalid_api_key' });
    // The auth step answers the revoked key the same way now.
    const now = await apiError(s.gw.openai(s.k.key).chat.completions.create({ model: MODEL, messages: ask }));
    expect({ status: now.status, error: now.error }).toEqual({ status: err.status, error: err.error });
    expect(s.up.fake.requests.length).toBe(1);
    const row = await s.gw.waitForRow(err);
    expect(row).toMatchObject({ status: 401, errorType: 'invalid_api_key', clientId: s.k.id, endpoint: 'chat', costUsd: 0 });
    await slotGivenBack(s.gw, s.up);
    expect(s.up.fake.requests.length).toBe(2);
  });

  test('/v1/messages: 401 in Anthropic shape, never sent upstream, one row', async () => {
    const s = await setup();
    const anthropic = new Anthropic({ apiKey: s.k.key, baseURL: s.gw.url, maxRetries: 0 });
    const { error } = await (await whileQueued(s, () => anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: ask }), revoke(s.gw, s.admin, s.k.id))).outcome;
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const err = error as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(err.status).toBe(401);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'Incorrect or revoked API key.' } });
    // The auth step answers the revoked key the same way now.
    const now = (await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: ask }).then(() => null, (e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect({ status: now.status, error: now.error }).toEqual({ status: err.status, error: err.error });
    expect(s.up.fake.requests.length).toBe(1);
    const row = await s.gw.waitForRow(err.requestID!);
    expect(row).toMatchObject({ status: 401, errorType: 'invalid_api_key', clientId: s.k.id, endpoint: 'messages' });
    await slotGivenBack(s.gw, s.up);
  });

  test('a key that expired while waiting: 401 key_expired, never sent upstream, one row', async () => {
    const s = await setup();
    const expire = async () => expect((await api(s.gw, 'PATCH', `/api/clients/${s.k.id}`, { as: s.admin, body: { expires_at: '2020-01-01T00:00:00Z' } })).status).toBe(200);
    const { error } = await (await whileQueued(s, () => s.gw.openai(s.k.key).chat.completions.create({ model: MODEL, messages: ask }), expire)).outcome;
    const err = await apiError(Promise.reject(error));
    expect(err.status).toBe(401);
    expect(err.error).toMatchObject({ type: 'authentication_error', code: 'key_expired', message: 'This API key expired at 2020-01-01T00:00:00.000Z.' });
    expect(s.up.fake.requests.length).toBe(1);
    expect(await s.gw.waitForRow(err)).toMatchObject({ status: 401, errorType: 'key_expired', clientId: s.k.id });
    await slotGivenBack(s.gw, s.up);
  });

  test('a queued request whose key is still good is sent as before (another key revoked meanwhile)', async () => {
    const s = await setup();
    const other = s.gw.addClient('other');
    const { outcome } = await whileQueued(s, () => s.gw.openai(s.k.key).chat.completions.create({ model: MODEL, messages: ask }).withResponse(), revoke(s.gw, s.admin, other.id));
    // It got the slot the first gave back, and went out.
    await s.up.held(1);
    s.up.releaseOne();
    const { value, error } = await outcome;
    expect(error).toBeNull();
    const { data, response } = value!;
    expect(data.choices[0]!.message.content).toBeString();
    expect(s.up.fake.requests.length).toBe(2);
    expect(await s.gw.waitForRow(response)).toMatchObject({ status: 200, clientId: s.k.id });
  });

  test("a group's next target that waited again: refused there, not sent", async () => {
    // The group's first target fails at once (a 500: the walk goes on); its second waits for the
    // slot behind another request, and the key is revoked meanwhile.
    const s = await setup((rec) => (rec.body?.model === 'gpt-4o-mini' ? jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500) : null));
    const holder = s.gw.openai().chat.completions.create({ model: 'openai/gpt-4o', messages: ask });
    await s.up.held(1);
    const grouped = s.gw.openai(s.k.key).chat.completions.create({ model: 'openai-auto', messages: ask }).then(() => null, (e: unknown) => e);
    await healthWhen(s.gw, (h) => h.upstream.waiting === 1, 'the group request waiting');
    const next = s.gw.openai().chat.completions.create({ model: 'openai/gpt-4o', messages: ask });
    await healthWhen(s.gw, (h) => h.upstream.waiting === 2, 'two requests waiting');
    // The holder's slot goes to the group's first target (500), then to `next`; the second target waits behind it.
    s.up.releaseOne();
    await holder;
    await s.up.held(1);
    await healthWhen(s.gw, (h) => h.upstream.waiting === 1, "the group's second target waiting");
    await revoke(s.gw, s.admin, s.k.id)();
    s.up.releaseOne();
    await next;
    const err = await apiError(Promise.reject(await grouped));
    expect(err.status).toBe(401);
    expect(err.error).toMatchObject({ code: 'invalid_api_key' });
    expect(s.up.fake.requests.map((r) => r.body?.model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o']);
    expect(await s.gw.waitForRow(err)).toMatchObject({ status: 401, errorType: 'invalid_api_key', clientId: s.k.id });
    await slotGivenBack(s.gw, s.up);
  });
});
