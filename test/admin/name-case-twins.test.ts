/**
 * Group names and model ids are case-sensitive in routing (README, Model groups), so the admin API
 * refuses a new one that an existing group or model has but for letter case: 409 in its error
 * shape, naming the existing one. Twins already in a database (an earlier release let them in)
 * keep working, and the start warns about them. Over real HTTP, signed in as an admin.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { caseTwinWarnings } from '../../src/startup/stored-group-warnings';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai-0000' } });

const group = (name: string) => ({ name, strategy: 'heuristic', targets: ['gpt-4o-mini'] });
const model = (id: string) => ({ id, provider: 'openai', upstream_id: 'gpt-4o', input_price: 1, output_price: 2 });

describe('a name that differs from a taken one only in letter case', () => {
  test('a new group named like a group or a model is a 409 naming it; nothing is created', async () => {
    const r = await api(gw, 'POST', '/api/groups', { as: admin, body: group('Fast-Flow') });
    expect(r.status).toBe(409);
    expect((await json(r)).error).toEqual({
      type: 'invalid_request_error', code: 'group_exists', param: 'name',
      message: "A model group named 'fast-flow' exists: 'Fast-Flow' differs from it only in letter case, and names are case-sensitive, so the two would be mistaken for each other; use PUT /api/groups/fast-flow to change it.",
    });
    const m = await api(gw, 'POST', '/api/groups', { as: admin, body: group('GPT-4o') });
    expect(m.status).toBe(409);
    expect((await json(m)).error).toMatchObject({ code: 'model_exists', param: 'name', message: expect.stringMatching(/^A model named 'gpt-4o' exists: 'GPT-4o' differs .*; choose another name\.$/) });
    expect((await api(gw, 'GET', '/api/groups/Fast-Flow', { as: admin })).status).toBe(404);
    expect((await api(gw, 'GET', '/api/groups/GPT-4o', { as: admin })).status).toBe(404);
    expect(gw.ctx.state.getSnapshot().groups.has('Fast-Flow')).toBe(false);
  });

  test('a new model named like a model or a group is a 409 naming it; nothing is created', async () => {
    const r = await api(gw, 'POST', '/api/models', { as: admin, body: model('GPT-4O') });
    expect(r.status).toBe(409);
    expect((await json(r)).error).toMatchObject({ type: 'invalid_request_error', code: 'model_exists', param: 'id', message: expect.stringMatching(/^A model named 'gpt-4o' exists: 'GPT-4O' differs .*; use PATCH \/api\/models\/gpt-4o to change it\.$/) });
    const g = await api(gw, 'POST', '/api/models', { as: admin, body: model('FAST-FLOW') });
    expect(g.status).toBe(409);
    expect((await json(g)).error).toMatchObject({ code: 'group_exists', param: 'id', message: expect.stringMatching(/^A model group named 'fast-flow' exists: 'FAST-FLOW' differs .*; choose another id\.$/) });
    expect((await api(gw, 'GET', '/api/models/GPT-4O', { as: admin })).status).toBe(404);
    expect(gw.ctx.state.getSnapshot().models.has('FAST-FLOW')).toBe(false);
  });

  test('a name that differs in more than case is still created', async () => {
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: group('Fast-Flow-2') })).status).toBe(201);
    expect((await api(gw, 'POST', '/api/models', { as: admin, body: model('gpt-4o-twin-test') })).status).toBe(201);
    // ... and then its own twin is refused.
    expect((await json(await api(gw, 'POST', '/api/models', { as: admin, body: model('GPT-4o-Twin-Test') }))).error.code).toBe('model_exists');
    // A provider prefix in another case is no twin of anything that exists (a 404's hint suggests one; the admin refuses none).
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body: group('OpenAI/team-group') })).status).not.toBe(409);
    expect((await api(gw, 'POST', '/api/models', { as: admin, body: model('OpenAI/team-model') })).status).not.toBe(409);
  });

  test('twins already stored keep routing, reading, changing and deleting by their exact name; the start warns about them', async () => {
    expect(caseTwinWarnings(gw.ctx.state.getSnapshot())).toEqual([]);
    gw.ctx.db.insert(modelGroups).values({ name: 'Mock-Flow', strategy: 'heuristic', targets: ['mock/echo'], updatedAt: Date.now() }).run();
    gw.ctx.db.insert(modelGroups).values({ name: 'mock-flow', strategy: 'heuristic', targets: ['mock/echo'], updatedAt: Date.now() }).run();
    await gw.ctx.state.reload();
    expect(caseTwinWarnings(gw.ctx.state.getSnapshot())).toEqual([
      expect.stringMatching(/^gophergate: group '(mock-flow|Mock-Flow)' differs from group '(Mock-Flow|mock-flow)' only in letter case/),
    ]);
    for (const name of ['Mock-Flow', 'mock-flow']) {
      const { data, response } = await gw.openai().chat.completions.create({ model: name, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(data.choices[0]!.message.content).toBeString();
      expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ status: 200, provider: 'mock' });
      expect((await json(await api(gw, 'GET', `/api/groups/${name}`, { as: admin }))).name).toBe(name);
      const put = await api(gw, 'PUT', `/api/groups/${name}`, { as: admin, body: { strategy: 'heuristic', targets: ['mock/echo'], primary_use: name } });
      expect(put.status).toBe(200);
      expect((await json(put)).primary_use).toBe(name);
    }
    expect((await api(gw, 'DELETE', '/api/groups/Mock-Flow', { as: admin })).status).toBe(200);
    expect(gw.ctx.state.getSnapshot().groups.has('mock-flow')).toBe(true);
    expect(caseTwinWarnings(gw.ctx.state.getSnapshot())).toEqual([]);
  });
});
