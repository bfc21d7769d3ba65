/**
 * PATCH /api/providers/{id}/keys/{key_id} `{weight?, label?}`: an added pool key's weight (and
 * label) change in place, in force at once; bad values get 400 in the admin error shape naming
 * the field; the provider's own key (`main`, `env`) keeps weight 1 (409); viewers are refused.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { api, json, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

const KEY_A = 'sk-pool-PLAINTEXT-patch-a-7f3a9c1e5bAAAA';
let gw: TestGateway;
let admin: Session;
let viewer: Session;
let fake: FakeUpstream;
let idA = '';

useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  viewer = await makeUser(gw, admin, 'viewer1', 'viewer');
  const r = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: KEY_A, weight: 2, label: 'team-a' } });
  idA = (await json(r)).id;
}, {
  env: (() => {
    fake = startFakeUpstream(replayJson('openai', 'chat.json'));
    return providerEnv('openai', `${fake.url}/v1`);
  })(),
});

const keysOf = async () => (await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).keys as any[];
const patch = (keyId: string, body: unknown, as: Session = admin) => api(gw, 'PATCH', `/api/providers/openai/keys/${keyId}`, { as, body });
const poolWeights = () => gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.map((k) => [k.id, k.weight]);

describe('PATCH a pool key', () => {
  test('weight changes in place: 200 with the key as POST answers it, listed and in force at once', async () => {
    const r = await patch(idA, { weight: 7 });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ id: idA, label: 'team-a', last4: 'AAAA', weight: 7 });
    expect((await keysOf()).find((k) => k.id === idA)).toMatchObject({ weight: 7, label: 'team-a', state: 'active' });
    expect(poolWeights()).toEqual([['env', 1], [idA, 7]]);
  });

  test('label changes too (trimmed); only the fields sent change; an empty body changes nothing', async () => {
    expect(await json(await patch(idA, { label: '  billing  ' }))).toEqual({ id: idA, label: 'billing', last4: 'AAAA', weight: 7 });
    expect(await json(await patch(idA, {}))).toEqual({ id: idA, label: 'billing', last4: 'AAAA', weight: 7 });
    expect(await json(await patch(idA, { weight: 1, label: 'team-a' }))).toEqual({ id: idA, label: 'team-a', last4: 'AAAA', weight: 1 });
    expect(poolWeights()).toEqual([['env', 1], [idA, 1]]);
  });

  test('label null clears it: the key gets back the label it would have been added with, key-<last4>, listed and in the pool', async () => {
    const r = await patch(idA, { label: null });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ id: idA, label: 'key-AAAA', last4: 'AAAA', weight: 1 });
    expect((await keysOf()).find((k) => k.id === idA)).toMatchObject({ label: 'key-AAAA' });
    expect(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.find((k) => k.id === idA)!.label).toBe('key-AAAA');
    // With a weight beside it, both change; then the label is set again.
    expect(await json(await patch(idA, { label: null, weight: 2 }))).toEqual({ id: idA, label: 'key-AAAA', last4: 'AAAA', weight: 2 });
    expect(await json(await patch(idA, { label: 'team-a', weight: 1 }))).toEqual({ id: idA, label: 'team-a', last4: 'AAAA', weight: 1 });
  });

  test('POST with label null is a key added without one', async () => {
    const r = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-pool-PLAINTEXT-patch-null-label-BBBB', label: null } });
    expect(r.status).toBe(201);
    const added = await json(r);
    expect(added).toMatchObject({ label: 'key-BBBB', last4: 'BBBB', weight: 1 });
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${added.id}`, { as: admin })).status).toBe(200);
  });

  test('a key cooling down stays cooling when its weight changes', async () => {
    const until = Date.now() + 45_000;
    gw.ctx.keyPool.states.coolUntil('openai', idA, until);
    expect((await patch(idA, { weight: 3 })).status).toBe(200);
    expect((await keysOf()).find((k) => k.id === idA)).toMatchObject({ weight: 3, state: 'cooling', cooling_until: new Date(until).toISOString() });
    gw.ctx.keyPool.reset('openai', idA);
  });

  test('bad values: 400 in the admin error shape naming the field; nothing changes', async () => {
    const cases: [unknown, string][] = [
      [{ weight: 0 }, 'weight'],
      [{ weight: 1001 }, 'weight'],
      [{ weight: 1.5 }, 'weight'],
      [{ weight: '5' }, 'weight'],
      [{ weight: null }, 'weight'],
      [{ label: '' }, 'label'],
      [{ label: 'x'.repeat(65) }, 'label'],
      [{ label: 'bad\nlabel' }, 'label'],
      [{ key: 'sk-replace-is-not-a-patch-1234' }, 'key'],
    ];
    for (const [body, param] of cases) {
      const r = await patch(idA, body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      const err = (await json(r)).error;
      expect(Object.keys(err).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect({ body, type: err.type, param: err.param }).toEqual({ body, type: 'invalid_request_error', param });
    }
    expect((await keysOf()).find((k) => k.id === idA)).toMatchObject({ weight: 3, label: 'team-a' });
  });

  test('the provider\'s own key keeps weight 1 (409); unknown keys and providers are 404', async () => {
    const env = await patch('env', { weight: 5 });
    expect(env.status).toBe(409);
    expect((await json(env)).error).toMatchObject({ code: 'own_provider_key', param: 'key_id' });
    for (const keyId of ['main', '999999', '01', 'nope']) {
      const r = await patch(keyId, { weight: 5 });
      expect({ keyId, status: r.status }).toEqual({ keyId, status: 404 });
      expect((await json(r)).error).toMatchObject({ code: 'provider_key_not_found', param: 'key_id' });
    }
    // A key of another provider is not this provider's.
    expect((await api(gw, 'PATCH', `/api/providers/gemini/keys/${idA}`, { as: admin, body: { weight: 5 } })).status).toBe(404);
    expect((await api(gw, 'PATCH', `/api/providers/nope/keys/${idA}`, { as: admin, body: { weight: 5 } })).status).toBe(404);
  });

  test('viewers cannot change a key', async () => {
    const r = await patch(idA, { weight: 9 }, viewer);
    expect(r.status).toBe(403);
    expect((await keysOf()).find((k) => k.id === idA).weight).toBe(3);
  });

  test('swagger documents the route', async () => {
    const doc = await json(await fetch(`${gw.url}/swagger/json`));
    expect(doc.paths['/api/providers/{id}/keys/{key_id}']?.patch).toBeDefined();
    fake.close();
  });
});
