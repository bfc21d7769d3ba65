/** POST/DELETE /api/providers/{id}/keys and the pool in GET /api/providers/{id}: last four only, admins change, viewers read. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { scopedSlot } from '../../src/key-pool/key-slots';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { api, json, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import { envSlot } from '../helpers/env-key';

setDefaultTimeout(30_000);

const KEY_A = 'sk-pool-PLAINTEXT-key-a-7f3a9c1e5b2dAAAA';
const KEY_B = 'sk-pool-PLAINTEXT-key-b-0c8d1e2f3a4bBBBB';
const ENV_KEY = 'sk-test-openai-key-0123456789';
let gw: TestGateway;
let admin: Session;
let viewer: Session;
let fake: FakeUpstream;

useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  viewer = await makeUser(gw, admin, 'viewer1', 'viewer');
}, {
  env: (() => {
    fake = startFakeUpstream(replayJson('openai', 'chat.json'));
    return providerEnv('openai', `${fake.url}/v1`);
  })(),
});

const keysOf = async (as: Session = admin) => (await json(await api(gw, 'GET', '/api/providers/openai', { as }))).keys as any[];

describe('provider key pool API', () => {
  let idA = '';
  test('POST adds a key: 201 with last4 only; the env key is listed as `env`, weight 1', async () => {
    const r = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: KEY_A, weight: 2, label: 'team-a' } });
    expect(r.status).toBe(201);
    const text = await r.clone().text();
    expect(text).not.toContain(KEY_A);
    const body = await json(r);
    expect(body).toEqual({ id: expect.any(String), label: 'team-a', last4: 'AAAA', weight: 2 });
    idA = body.id;

    const b = await json(await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: KEY_B } }));
    expect(b).toMatchObject({ label: 'key-BBBB', last4: 'BBBB', weight: 1 });

    const keys = await keysOf();
    expect(keys.map((k) => [k.id, k.label, k.last4, k.weight, k.state])).toEqual([
      ['env', 'env', '6789', 1, 'active'],
      [idA, 'team-a', 'AAAA', 2, 'active'],
      [b.id, 'key-BBBB', 'BBBB', 1, 'active'],
    ]);
    for (const k of keys) expect(k.cooling_until).toBeNull();
    // In force at once: the request path's snapshot has the pool.
    expect(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.map((k) => k.last4)).toEqual(['6789', 'AAAA', 'BBBB']);
  });

  test('no read ever returns a key', async () => {
    for (const path of ['/api/providers', '/api/providers/openai']) {
      const text = await (await api(gw, 'GET', path, { as: viewer })).text();
      for (const k of [KEY_A, KEY_B, ENV_KEY]) expect(text).not.toContain(k);
    }
    const list = (await json(await api(gw, 'GET', '/api/providers', { as: viewer }))).data as any[];
    expect(list.find((p) => p.id === 'openai').keys.length).toBe(3);
  });

  test('states show: cooling with cooling_until, set_aside; usage per key from the log rows', async () => {
    const now = Date.now();
    gw.ctx.keyPool.states.coolUntil('openai', idA, now + 45_000);
    gw.ctx.keyPool.states.setAside('openai', envSlot(gw), now);
    const keys = await keysOf(viewer);
    expect(keys.find((k) => k.id === idA)).toMatchObject({ state: 'cooling', cooling_until: new Date(now + 45_000).toISOString() });
    expect(keys.find((k) => k.id === 'env')).toMatchObject({ state: 'set_aside', cooling_until: null });

    // Only the third key is usable now: the request's row names it, and its usage counts it.
    const third = keys[2].id;
    const res = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const id = res.response.headers.get('x-request-id');
    // The memory sink of the test gateway does not write SQLite: put the row there as the writer would.
    const row = (await gw.waitForLogs(1)).find((l) => l.requestId === id)!;
    expect(row.providerKeyId).toBe(third);
    gw.ctx.sqlite.run('INSERT INTO request_logs (created_at, request_id, endpoint, model_requested, provider, status, cost_usd, provider_key_id) VALUES (?,?,?,?,?,?,?,?)', [
      row.createdAt, row.requestId, 'chat', 'openai/gpt-4o-mini', 'openai', 200, 0.25, row.providerKeyId ?? null,
    ]);
    const after = await keysOf(viewer);
    expect(after.find((k) => k.id === third).usage_24h).toEqual({ requests: 1, errors: 0, cost_usd: 0.25 });
    expect(after.find((k) => k.id === idA).usage_24h).toEqual({ requests: 0, errors: 0, cost_usd: 0 });
    gw.ctx.keyPool.reset('openai', idA);
    gw.ctx.keyPool.reset('openai', envSlot(gw));
  });

  test('a key cooling or set aside for single models lists them under `models` and stays active itself; an admin change clears them', async () => {
    const now = Date.now();
    gw.ctx.keyPool.states.coolUntil('openai', scopedSlot(idA, 'gpt-4o'), now + 45_000);
    gw.ctx.keyPool.states.setAside('openai', scopedSlot(idA, 'gpt-4.1'), now);
    const a = (await keysOf(viewer)).find((k) => k.id === idA);
    expect(a).toMatchObject({ state: 'active', cooling_until: null });
    expect(a.models).toEqual([
      { model: 'gpt-4o', state: 'cooling', cooling_until: new Date(now + 45_000).toISOString() },
      { model: 'gpt-4.1', state: 'set_aside', cooling_until: null },
    ]);
    expect((await keysOf(viewer)).find((k) => k.id === 'env').models).toEqual([]);
    gw.ctx.keyPool.reset('openai', idA);
    expect((await keysOf(viewer)).find((k) => k.id === idA).models).toEqual([]);
  });

  test('viewers cannot add or remove keys', async () => {
    const add = await api(gw, 'POST', '/api/providers/openai/keys', { as: viewer, body: { key: 'sk-viewer-tries-1234567' } });
    expect(add.status).toBe(403);
    expect((await json(add)).error.code).toBe('forbidden');
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${idA}`, { as: viewer })).status).toBe(403);
    expect((await keysOf()).length).toBe(3);
  });

  test('bad input: clear errors in the API shape', async () => {
    const cases: [unknown, number, string | null][] = [
      [{ key: 'sk has spaces in it' }, 400, 'key'],
      [{ key: KEY_A }, 409, 'key'],
      [{ key: 'sk-another-good-key-9999', weight: 0 }, 400, null],
      [{ key: 'sk-another-good-key-9999', weight: 1.5 }, 400, null],
      [{ weight: 2 }, 400, null],
    ];
    for (const [body, status, param] of cases) {
      const r = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body });
      expect({ body, status: r.status }).toEqual({ body, status });
      const err = (await json(r)).error;
      expect(Object.keys(err).sort()).toEqual(['code', 'message', 'param', 'type']);
      if (param) expect(err.param).toBe(param);
      expect(JSON.stringify(err)).not.toContain(KEY_A);
    }
    expect((await api(gw, 'POST', '/api/providers/nope/keys', { as: admin, body: { key: 'sk-another-good-key-9999' } })).status).toBe(404);
  });

  test('DELETE removes a key; `env` cannot be removed; unknown ids are 404', async () => {
    const r = await api(gw, 'DELETE', `/api/providers/openai/keys/${idA}`, { as: admin });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ id: idA, deleted: true });
    expect((await keysOf()).map((k) => k.last4)).toEqual(['6789', 'BBBB']);
    expect(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.map((k) => k.last4)).toEqual(['6789', 'BBBB']);
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${idA}`, { as: admin })).status).toBe(404);
    expect((await api(gw, 'DELETE', '/api/providers/gemini/keys/1', { as: admin })).status).toBe(404);
    const env = await api(gw, 'DELETE', '/api/providers/openai/keys/env', { as: admin });
    expect(env.status).toBe(409);
    expect((await json(env)).error.code).toBe('env_provider_key');
  });

  test('keys added, used and deleted leave nothing behind in the pool: 40 of them, the weights kept are the pool\'s keys only', async () => {
    const weights = () => ((gw.ctx.keyPool as any).current as Map<string, Map<string, number>>).get('openai');
    for (let i = 0; i < 40; i++) {
      const k = await json(await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: `sk-churn-key-${i}-0123456789abcdef` } }));
      // Two keys or more: each request picks one by weight, so the new key gets a running weight.
      for (let j = 0; j < 2; j++) await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(weights()?.has(k.id)).toBe(true);
      expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${k.id}`, { as: admin })).status).toBe(200);
    }
    const pool = new Set(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.map((k) => k.id));
    expect([...weights()!.keys()].filter((id) => !pool.has(id))).toEqual([]);
  });

  test('the provider\'s own stored key is pool member `main` (replacing `env`); changing it makes it active again', async () => {
    const MAIN = 'sk-dashboard-main-key-77MAIN';
    expect((await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { api_key: MAIN } })).status).toBe(200);
    gw.ctx.keyPool.states.setAside('openai', 'main', Date.now());
    expect((await keysOf())[0]).toMatchObject({ id: 'main', label: 'main', last4: 'MAIN', state: 'set_aside' });
    await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { api_key: `${MAIN}2` } });
    expect((await keysOf())[0]).toMatchObject({ id: 'main', last4: 'AIN2', state: 'active' });
    expect((await api(gw, 'DELETE', '/api/providers/openai/keys/main', { as: admin })).status).toBe(200);
    expect((await keysOf()).map((k) => k.id)[0]).toBe('env');
    fake.close();
  });

  test('a provider with added keys only: enabled, has a key, no own key shown', async () => {
    const r = await api(gw, 'POST', '/api/providers/deepseek/keys', { as: admin, body: { key: 'sk-deepseek-pool-only-DDDD' } });
    expect(r.status).toBe(201);
    const p = await json(await api(gw, 'GET', '/api/providers/deepseek', { as: viewer }));
    expect(p).toMatchObject({ enabled: true, has_key: true, key_source: null, api_key_last4: null });
    expect(p.keys.map((k: any) => [k.label, k.last4])).toEqual([['key-DDDD', 'DDDD']]);
  });

  test('swagger documents the routes', async () => {
    const doc = await json(await fetch(`${gw.url}/swagger/json`));
    expect(doc.paths['/api/providers/{id}/keys']?.post).toBeDefined();
    expect(doc.paths['/api/providers/{id}/keys/{key_id}']?.delete).toBeDefined();
  });
});
