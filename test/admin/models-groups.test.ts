import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { models } from '../../src/db/schema';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';

// Tests sign in several users (password hashing): seconds on a loaded CI machine. A limit only
// bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), {
  env: { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai-0000', LLM_PROXY__PROVIDERS__GEMINI__API_KEY: 'gm-test' },
});

describe('models', () => {
  test('?provider= names a provider: a typo is a 400 naming it, not an empty list read as "no models"', async () => {
    const r = await api(gw, 'GET', '/api/models?provider=opneai', { as: admin });
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatchObject({ param: 'provider', code: 'invalid_request' });
    // Left empty, it filters nothing (as the other lists' filters do).
    const all = (await json(await api(gw, 'GET', '/api/models?provider=', { as: admin }))).data as any[];
    expect(new Set(all.map((m) => m.provider)).size).toBeGreaterThan(3);
  });

  test('an empty PATCH changes nothing: the model as it is, its updated_at kept; an unknown id is still a 404', async () => {
    const before = await json(await api(gw, 'GET', '/api/models/gpt-4o-mini', { as: admin }));
    await Bun.sleep(5);
    const r = await api(gw, 'PATCH', '/api/models/gpt-4o-mini', { as: admin, body: {} });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual(before);
    expect(await json(await api(gw, 'GET', '/api/models/gpt-4o-mini', { as: admin }))).toEqual(before);
    expect((await api(gw, 'PATCH', '/api/models/no-such-model-x', { as: admin, body: {} })).status).toBe(404);
  });

  test('list with a provider filter, read one, change prices and enabled; the snapshot follows at once', async () => {
    const list = (await json(await api(gw, 'GET', '/api/models?provider=openai', { as: admin }))).data as any[];
    expect(list.length).toBeGreaterThan(3);
    expect(list.every((m) => m.provider === 'openai')).toBe(true);
    const r = await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { input_price: 1.25, cached_input_price: null, enabled: false } });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ id: 'gpt-4o', input_price: 1.25, cached_input_price: null, enabled: false });
    const entry = gw.ctx.state.getSnapshot().models.get('gpt-4o')!;
    expect(entry.enabled).toBe(false);
    expect(entry.prices.input).toBe(1.25);
    // the client API agrees: a disabled model is not listed
    const v1 = await json(await gw.fetch('/v1/models'));
    expect(v1.data.map((m: any) => m.id)).not.toContain('gpt-4o');
    await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { enabled: true } });
    expect((await json(await gw.fetch('/v1/models'))).data.map((m: any) => m.id)).toContain('gpt-4o');
  });

  test('an id containing `/` is read and changed URL-encoded; every price field is read and written', async () => {
    const id = 'meta-llama/llama-3.1-8b';
    gw.ctx.db.insert(models).values({ id, provider: 'ollama', upstreamId: id, inputPrice: 0, outputPrice: 0, updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    const path = `/api/models/${encodeURIComponent(id)}`;
    expect(await json(await api(gw, 'GET', path, { as: admin }))).toMatchObject({
      id, provider: 'ollama', enabled: true, input_price: 0, cached_input_price: null, output_price: 0, reasoning_price: null, image_price: null, cache_write_price: null,
      long_context_threshold: null, long_context_input_price: null, long_context_cached_input_price: null, long_context_cache_write_price: null,
      long_context_output_price: null, long_context_reasoning_price: null,
      audio_input_price: null, audio_output_price: null, flex_price_multiplier: null, priority_price_multiplier: null,
      fast_price_multiplier: null, us_inference_price_multiplier: null,
    });
    const prices = {
      input_price: 0.5, cached_input_price: 0.25, output_price: 1.5, reasoning_price: 2, image_price: 0.04, cache_write_price: 0.6,
      audio_input_price: 8, audio_output_price: 16, flex_price_multiplier: 0.5, priority_price_multiplier: 1.75,
      fast_price_multiplier: 6, us_inference_price_multiplier: 1.1,
    };
    const r = await api(gw, 'PATCH', path, { as: admin, body: prices });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ id, ...prices });
    expect(await json(await api(gw, 'GET', path, { as: admin }))).toMatchObject(prices);
    // The request path prices with them at once.
    expect(gw.ctx.state.getSnapshot().models.get(id)!.prices).toEqual({
      input: 0.5, cachedInput: 0.25, output: 1.5, reasoning: 2, image: 0.04, cacheWrite: 0.6, longContext: null, webSearch: null,
      audioInput: 8, audioOutput: 16, flexMultiplier: 0.5, priorityMultiplier: 1.75, fastMultiplier: 6, usInferenceMultiplier: 1.1, timeOfDay: null,
    });
  });

  test('the long-context tier is read and written, and the request path prices with it at once', async () => {
    // Seeded from genai-prices: Gemini 2.5 Pro's prices over 200,000 prompt tokens.
    expect(await json(await api(gw, 'GET', '/api/models/gemini-2.5-pro', { as: admin }))).toMatchObject({
      long_context_threshold: 200_001, long_context_input_price: 2.5, long_context_cached_input_price: 0.25, long_context_cache_write_price: null,
      long_context_output_price: 15, long_context_reasoning_price: null,
    });
    const tier = {
      long_context_threshold: 128_001, long_context_input_price: 5, long_context_cached_input_price: 2.5, long_context_cache_write_price: 6,
      long_context_output_price: 20, long_context_reasoning_price: 25,
    };
    const r = await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: tier });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject(tier);
    expect(await json(await api(gw, 'GET', '/api/models/gpt-4o', { as: admin }))).toMatchObject(tier);
    expect(gw.ctx.state.getSnapshot().models.get('gpt-4o')!.prices.longContext).toEqual({ threshold: 128_001, input: 5, cachedInput: 2.5, cacheWrite: 6, output: 20, reasoning: 25 });
    // A null threshold removes the tier; a threshold must be a whole number of tokens, 1 or more.
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { long_context_threshold: 0 } })).status).toBe(400);
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { long_context_threshold: 1.5 } })).status).toBe(400);
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { long_context_input_price: -1 } })).status).toBe(400);
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { long_context_threshold: null } })).status).toBe(200);
    expect(gw.ctx.state.getSnapshot().models.get('gpt-4o')!.prices.longContext).toBeNull();
  });

  test('a bad model id is a 400 naming the API field and saying what an id may be, not the pattern', async () => {
    const rule = 'must be 1-200 letters, digits and . _ : / @ + -, starting with a letter or digit.';
    for (const [body, param] of [
      [{ id: 'bad id', provider: 'openai', input_price: 1, output_price: 1 }, 'id'],
      [{ id: 'x'.repeat(201), provider: 'openai', input_price: 1, output_price: 1 }, 'id'],
      [{ id: 'ok-id', upstream_id: '-bad', provider: 'openai', input_price: 1, output_price: 1 }, 'upstream_id'],
    ] as const) {
      const r = await api(gw, 'POST', '/api/models', { as: admin, body });
      expect(r.status).toBe(400);
      const err = (await json(r)).error;
      expect([err.param, err.message]).toEqual([param, `Invalid value for '${param}': ${rule}`]);
    }
  });

  test('bad prices and unknown models', async () => {
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { output_price: -1 } })).status).toBe(400);
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { output_price: 'free' } })).status).toBe(400);
    expect((await api(gw, 'PATCH', '/api/models/no-such-model', { as: admin, body: { enabled: true } })).status).toBe(404);
    expect((await api(gw, 'GET', '/api/models/no-such-model', { as: admin })).status).toBe(404);
  });
});

describe('groups', () => {
  const group = { strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'], logic_level: 3, primary_use: 'tests' };

  test('create, read, replace, delete', async () => {
    const c = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'mine', ...group } });
    expect(c.status).toBe(201);
    expect(await json(c)).toMatchObject({ name: 'mine', targets: ['gpt-4o-mini', 'gpt-4o'], logic_level: 3 });
    expect(gw.ctx.state.getSnapshot().groups.get('mine')?.targets).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'mine', ...group } })).status).toBe(409);
    const put = await api(gw, 'PUT', '/api/groups/mine', { as: admin, body: { ...group, targets: ['gpt-4o'] } });
    expect(put.status).toBe(200);
    expect((await json(await api(gw, 'GET', '/api/groups/mine', { as: admin }))).targets).toEqual(['gpt-4o']);
    // JSON null clears, as left out of a replacement: no primary use, no level; settings {} are the defaults.
    const settings = { rules: [{ name: 'long', kind: 'min_chars', chars: 10, weight: 1 }] };
    expect((await api(gw, 'PUT', '/api/groups/mine', { as: admin, body: { ...group, settings } })).status).toBe(200);
    const cleared = await api(gw, 'PUT', '/api/groups/mine', { as: admin, body: { ...group, primary_use: null, settings: {}, logic_level: null } });
    expect(cleared.status).toBe(200);
    expect(await json(cleared)).toMatchObject({ name: 'mine', primary_use: '', settings: {}, logic_level: null });
    expect(gw.ctx.state.getSnapshot().groups.get('mine')).toMatchObject({ primaryUse: '', settings: {}, logicLevel: null });
    expect((await api(gw, 'DELETE', '/api/groups/mine', { as: admin })).status).toBe(200);
    expect((await api(gw, 'GET', '/api/groups/mine', { as: admin })).status).toBe(404);
    expect(gw.ctx.state.getSnapshot().groups.has('mine')).toBe(false);
  });

  test('unknown targets, cycles and a referenced group are refused with the reason', async () => {
    const unknown = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'g1', ...group, targets: ['no-such-model'] } });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.message).toContain("unknown target 'no-such-model'");

    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'a1', ...group } })).status).toBe(201);
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'b1', ...group, targets: ['a1'] } })).status).toBe(201);
    const cycle = await api(gw, 'PUT', '/api/groups/a1', { as: admin, body: { ...group, targets: ['b1'] } });
    expect(cycle.status).toBe(400);
    expect((await json(cycle)).error.message).toContain('cycle');
    const referenced = await api(gw, 'DELETE', '/api/groups/a1', { as: admin });
    expect(referenced.status).toBe(400);
    expect((await json(referenced)).error.message).toContain("'a1'");
    const badStrategy = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'g2', ...group, strategy: 'random' } });
    expect(badStrategy.status).toBe(400);
    expect((await json(badStrategy)).error.param).toBe('strategy');
  });

  test('try routing shows the decision without calling anything', async () => {
    await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'tryme', ...group } });
    const r = await api(gw, 'POST', '/api/groups/try', { as: admin, body: { model: 'tryme', prompt: 'hello' } });
    expect(r.status).toBe(200);
    const d = await json(r);
    expect(d.requested).toBe('tryme');
    expect(d.path[0]).toBe('tryme');
    expect(d.targets.map((t: any) => t.model).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(typeof d.reason).toBe('string');
    const concrete = await json(await api(gw, 'POST', '/api/groups/try', { as: admin, body: { model: 'gpt-4o', prompt: 'x' } }));
    expect(concrete.targets).toEqual([{ provider: 'openai', model: 'gpt-4o', upstream_model: 'gpt-4o' }]);
    expect((await api(gw, 'POST', '/api/groups/try', { as: admin, body: { model: 'nothing-here', prompt: 'x' } })).status).toBe(404);
  });

  test('a viewer reads groups and models but cannot change them', async () => {
    const viewer = await makeUser(gw, admin, 'gviewer', 'viewer');
    expect((await api(gw, 'GET', '/api/groups', { as: viewer })).status).toBe(200);
    expect((await api(gw, 'GET', '/api/models', { as: viewer })).status).toBe(200);
    expect((await api(gw, 'POST', '/api/groups', { as: viewer, body: { name: 'v', ...group } })).status).toBe(403);
    expect((await api(gw, 'PATCH', '/api/models/gpt-4o', { as: viewer, body: { enabled: false } })).status).toBe(403);
  });
});
