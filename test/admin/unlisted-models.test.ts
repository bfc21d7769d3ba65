/**
 * Models that are not in the models table (`provider/<id>`, LLM_PROXY__PROVIDERS__<P>__MODELS),
 * and adding and removing table rows over the admin API: what such a request costs in its log row,
 * and a budget that could not count an unknown price refuses the model instead of letting it run free.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { eq } from 'drizzle-orm';
import { clients, teams } from '../../src/db/schema';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, apiLogRow, json, login, makeUser, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let fake: FakeUpstream;
let gw: TestGateway;
let admin: Session;

beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
  gw = await startGateway({
    storeLogs: true,
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('ollama', `${fake.url}/v1`),
      // An id genai-prices lists and one it does not, as an operator adds them by environment.
      LLM_PROXY__PROVIDERS__OPENAI__MODELS: 'gpt-4.1-nano,acme-finetune-1',
    },
  });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** The fixture's usage: 19 prompt and 9 completion tokens, at these prices (USD per 1M). */
const fixtureCost = (input: number, output: number) => (19 * input + 9 * output) / 1e6;

async function key(name: string, limits: Partial<typeof clients.$inferInsert> = {}): Promise<OpenAI> {
  return (await keyWithId(name, limits)).client;
}

async function keyWithId(name: string, limits: Partial<typeof clients.$inferInsert> = {}): Promise<{ client: OpenAI; id: number }> {
  const c = gw.addClient(name);
  if (Object.keys(limits).length) gw.ctx.db.update(clients).set(limits).where(eq(clients.id, c.id)).run();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  return { client: gw.openai(c.key), id: c.id };
}

const ask = (client: OpenAI, model: string) =>
  client.chat.completions.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }).withResponse();

/** The SDK's error of a refused call. */
async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('the request was not refused');
}

describe('what a model outside the models table costs', () => {
  test('provider/<id> that genai-prices lists is billed at its prices (not $0); the upstream gets the bare id', async () => {
    const client = await key('nano-free');
    const { response } = await ask(client, 'openai/o3-mini');
    expect(fake.last().body.model).toBe('o3-mini');
    const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ model: 'openai/o3-mini', provider: 'openai', status: 200, prompt_tokens: 19, completion_tokens: 9 });
    // genai-prices: o3-mini at $1.10 in, $4.40 out per 1M.
    expect(row.cost_usd).toBeCloseTo(fixtureCost(1.1, 4.4), 12);
    expect(row.cost_unknown).toBe(false);
  });

  test('a dated snapshot genai-prices matches to its model is billed as that model', async () => {
    const client = await key('dated');
    const { response } = await ask(client, 'openai/gpt-4o-2024-11-20');
    const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
    expect(row.cost_usd).toBeCloseTo(fixtureCost(2.5, 10), 12);
  });

  test('an id listed in LLM_PROXY__PROVIDERS__OPENAI__MODELS is priced from genai-prices when it lists it', async () => {
    const client = await key('env-model');
    const { response } = await ask(client, 'gpt-4.1-nano');
    const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
    expect(row.cost_usd).toBeCloseTo(fixtureCost(0.1, 0.4), 12);
  });

  test('an id nobody prices passes for a key without a budget, and its row says the cost is unknown', async () => {
    const client = await key('unbudgeted');
    for (const model of ['openai/gpt-99-preview', 'acme-finetune-1']) {
      const { response } = await ask(client, model);
      expect(response.status).toBe(200);
      const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
      expect(row).toMatchObject({ status: 200, prompt_tokens: 19, cost_usd: 0, cost_unknown: true });
    }
  });

  test('a local provider is free, not unknown: ollama/<any id> passes a budgeted key at $0', async () => {
    const client = await key('budget-ollama', { budgetUsd: 1, budgetPeriod: 'month' });
    const { response } = await ask(client, 'ollama/qwen3:8b');
    const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ status: 200, cost_usd: 0, cost_unknown: false });
  });
});

describe('a budget refuses a model whose price is unknown', () => {
  test('a budgeted key: 403 model_not_priced in OpenAI\'s shape, one row, no upstream call; priced ids still pass', async () => {
    const { client, id } = await keyWithId('budgeted', { budgetUsd: 1, budgetPeriod: 'month' });
    for (const model of ['openai/gpt-99-preview', 'acme-finetune-1']) {
      const calls = fake.requests.length;
      const err = await refusal(ask(client, model));
      expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(err.status).toBe(403);
      expect(err.code).toBe('model_not_priced');
      expect(err.type).toBe('permission_error');
      expect(err.param).toBe('model');
      expect(err.message).toContain(model);
      expect(err.message).toContain("the budget of key 'budgeted' could not count its cost");
      expect(fake.requests.length).toBe(calls);
      const row = await apiLogRow(gw, admin, err.headers!.get('x-request-id')!);
      expect(row).toMatchObject({ status: 403, model_requested: model, cost_usd: 0 });
    }
    // The same key may use an unlisted id that genai-prices prices, and is charged for it.
    const { response } = await ask(client, 'openai/o3-mini');
    expect((await apiLogRow(gw, admin, response.headers.get('x-request-id')!)).cost_usd).toBeCloseTo(fixtureCost(1.1, 4.4), 12);
    expect(gw.ctx.limits.counters.spend(gw.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!, Date.now())).toBeCloseTo(fixtureCost(1.1, 4.4), 12);
  });

  test('on /v1/messages the refusal is Anthropic\'s permission_error; count_tokens (free) still answers', async () => {
    const c = gw.addClient('budget-messages');
    gw.ctx.db.update(clients).set({ budgetUsd: 1, budgetPeriod: 'month' }).where(eq(clients.id, c.id)).run();
    await gw.ctx.limits.seed(gw.ctx.state.reload());
    const body = { model: 'openai/gpt-99-preview', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] };
    const headers = { 'x-api-key': c.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
    // Plain fetch: gw.fetch would add the default key's bearer.
    const r = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', message: expect.stringContaining('no known price') } });
    const count = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(count.status).toBe(200);
  });

  test('a key whose team has a budget is refused too; a group that may reach the model is refused, naming it', async () => {
    const now = Date.now();
    const team = gw.ctx.db.insert(teams).values({ name: 'priced-only', budgetUsd: 5, budgetPeriod: 'month', createdAt: now, updatedAt: now }).returning().get();
    const client = await key('team-member', { teamId: team.id });
    const err = await refusal(ask(client, 'openai/gpt-99-preview'));
    expect(err.status).toBe(403);
    expect(err.code).toBe('model_not_priced');
    expect(err.message).toContain("team 'priced-only'");

    const g = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'mixed-prices', strategy: 'heuristic', targets: ['gpt-4o-mini', 'openai/gpt-99-preview'] } });
    expect(g.status).toBe(201);
    const viaGroup = await refusal(ask(await key('budget-group', { budgetUsd: 1, budgetPeriod: 'month' }), 'mixed-prices'));
    expect(viaGroup.code).toBe('model_not_priced');
    expect(viaGroup.message).toContain("'openai/gpt-99-preview'");
    // Without a budget the group serves as before.
    expect((await ask(await key('group-free'), 'mixed-prices')).response.status).toBe(200);
    expect((await api(gw, 'DELETE', '/api/groups/mixed-prices', { as: admin })).status).toBe(200);
  });
});

describe('POST and DELETE /api/models', () => {
  test('an admin adds a model with its prices: 201, a budgeted key may use it by id and as provider/id, billed at them', async () => {
    const body = { id: 'gpt-99-preview', provider: 'openai', input_price: 2, output_price: 8, cached_input_price: 0.5, context_window: 400_000 };
    const r = await api(gw, 'POST', '/api/models', { as: admin, body });
    expect(r.status).toBe(201);
    expect(await json(r)).toMatchObject({ ...body, upstream_id: 'gpt-99-preview', kind: 'chat', enabled: true, reasoning_price: null });
    expect(await json(await api(gw, 'GET', '/api/models/gpt-99-preview', { as: admin }))).toMatchObject(body);
    const client = await key('budget-after-add', { budgetUsd: 1, budgetPeriod: 'month' });
    for (const model of ['gpt-99-preview', 'openai/gpt-99-preview']) {
      const { response } = await ask(client, model);
      expect(fake.last().body.model).toBe('gpt-99-preview');
      const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
      expect(row.cost_usd).toBeCloseTo(fixtureCost(2, 8), 12);
      expect(row.cost_unknown).toBe(false);
    }
    // Listed to clients too.
    expect((await json(await gw.fetch('/v1/models', { headers: { authorization: `Bearer ${gw.clientKey}` } }))).data.map((m: any) => m.id)).toContain('gpt-99-preview');
  });

  test('PATCH sets and clears the context window', async () => {
    const r = await api(gw, 'PATCH', '/api/models/gpt-99-preview', { as: admin, body: { context_window: 1_000_000 } });
    expect(r.status).toBe(200);
    expect(gw.ctx.state.getSnapshot().models.get('gpt-99-preview')!.contextWindow).toBe(1_000_000);
    expect((await api(gw, 'PATCH', '/api/models/gpt-99-preview', { as: admin, body: { context_window: 2.5 } })).status).toBe(400);
    expect(await json(await api(gw, 'PATCH', '/api/models/gpt-99-preview', { as: admin, body: { context_window: null } }))).toMatchObject({ context_window: null });
  });

  test('prices left out come from genai-prices; an id it does not list needs them; ollama models are free', async () => {
    const r = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'gpt-4.1-mini-2025-04-14', provider: 'openai' } });
    expect(r.status).toBe(201);
    expect(await json(r)).toMatchObject({ input_price: 0.4, cached_input_price: 0.1, output_price: 1.6, context_window: expect.any(Number) });

    const missing = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'acme-2', provider: 'openai', input_price: 1 } });
    expect(missing.status).toBe(400);
    // The API's field names (the dashboard's form says its labels instead: models-add.browser.test.ts).
    expect(await json(missing)).toEqual({
      error: { message: expect.stringContaining('acme-2: give input_price and output_price (USD per 1M tokens).'), type: 'invalid_request_error', param: 'output_price', code: 'invalid_request' },
    });

    const local = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'qwen3:8b', provider: 'ollama' } });
    expect(local.status).toBe(201);
    expect(await json(local)).toMatchObject({ input_price: 0, output_price: 0 });
  });

  test('bad input is a 400 in the admin API\'s error shape; a taken id or group name a 409', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'x1', provider: 'acme', input_price: 1, output_price: 1 }, 'provider'],
      [{ id: 'has space', provider: 'openai', input_price: 1, output_price: 1 }, 'id'],
      [{ id: 'x2', provider: 'openai', input_price: -1, output_price: 1 }, 'input_price'],
      [{ id: 'x3', provider: 'openai', input_price: 1, output_price: 1, context_window: 0 }, 'context_window'],
      [{ provider: 'openai' }, 'id'],
    ];
    for (const [body, field] of cases) {
      const r = await api(gw, 'POST', '/api/models', { as: admin, body });
      expect(r.status).toBe(400);
      const e = (await json(r)).error;
      expect(e.type).toBe('invalid_request_error');
      expect(`${e.param} ${e.message}`).toContain(field);
    }
    const taken = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'gpt-4o', provider: 'openai' } });
    expect(taken.status).toBe(409);
    expect((await json(taken)).error).toMatchObject({ code: 'model_exists', param: 'id' });
    const group = await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'fast-flow', provider: 'openai', input_price: 1, output_price: 1 } });
    expect(group.status).toBe(409);
    expect((await json(group)).error.code).toBe('group_exists');
  });

  test('DELETE: refused while a group names the model and for a seeded model; a viewer may not; then it is gone', async () => {
    await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'acme-3', provider: 'openai', input_price: 1, output_price: 2 } });
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'uses-acme', strategy: 'heuristic', targets: ['acme-3'] } })).status).toBe(201);
    const inUse = await api(gw, 'DELETE', '/api/models/acme-3', { as: admin });
    expect(inUse.status).toBe(409);
    expect((await json(inUse)).error).toMatchObject({ code: 'model_in_use', message: expect.stringContaining("'uses-acme'") });

    const seeded = await api(gw, 'DELETE', '/api/models/gpt-4o', { as: admin });
    expect(seeded.status).toBe(409);
    expect((await json(seeded)).error.code).toBe('model_seeded');

    const viewer = await makeUser(gw, admin, 'models-viewer', 'viewer');
    expect((await api(gw, 'DELETE', '/api/models/acme-3', { as: viewer })).status).toBe(403);
    expect((await api(gw, 'POST', '/api/models', { as: viewer, body: { id: 'acme-4', provider: 'openai', input_price: 1, output_price: 1 } })).status).toBe(403);

    expect((await api(gw, 'DELETE', '/api/groups/uses-acme', { as: admin })).status).toBe(200);
    const gone = await api(gw, 'DELETE', '/api/models/acme-3', { as: admin });
    expect(gone.status).toBe(200);
    expect(await json(gone)).toEqual({ id: 'acme-3', deleted: true });
    expect((await api(gw, 'GET', '/api/models/acme-3', { as: admin })).status).toBe(404);
    expect((await api(gw, 'DELETE', '/api/models/acme-3', { as: admin })).status).toBe(404);
    // The request path forgot it at once: a bare id is a 404 again.
    const err = await refusal(ask(gw.openai(), 'acme-3'));
    expect(err.status).toBe(404);
  });

  test('the OpenAPI document lists POST /api/models and DELETE /api/models/{id}', async () => {
    const doc = await json(await gw.fetch('/swagger/json'));
    expect(doc.paths['/api/models'].post.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['id', 'provider']));
    expect(doc.paths['/api/models/{id}'].delete).toBeDefined();
    expect(doc.paths['/api/models/{id}'].patch.requestBody.content['application/json'].schema.properties.context_window).toBeDefined();
  });
});
