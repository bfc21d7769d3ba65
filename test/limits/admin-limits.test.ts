/** The admin API of teams and key limits: create, read with spend, change (in force at once), validation, roles. */
import { afterAll, expect, test, setDefaultTimeout } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { clients, models } from '../../src/db/schema';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { api, json, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import { apiError, providerEnv, type TestGateway } from '../helpers/start-gateway';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
afterAll(() => fake.close());
let gw: TestGateway;
let admin: Session;
/** The limits' clock: the wall clock, unless a test sets a moment (and puts it back). */
let limitsAt: number | null = null;
useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  gw.ctx.db.insert(models).values({ id: 'lim-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: 1000, outputPrice: 1000, updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
}, { env: providerEnv('openai', `${fake.url}/v1`), limitsClock: () => limitsAt ?? Date.now() });

const chat = (key: string, model = 'lim-model') =>
  new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 }).chat.completions.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });

test('a team and a limited key made through the API are in force at once; GET shows limits and period spend', async () => {
  const tr = await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'research', budget_usd: 5, budget_period: 'week', rpm: 100, models: ['openai/*'] } });
  expect(tr.status).toBe(201);
  const team = await json(tr);
  expect(team).toMatchObject({ name: 'research', budget_usd: 5, budget_period: 'week', rpm: 100, tpm: null, models: ['openai/*'], spend_usd: 0, client_ids: [] });

  const cr = await api(gw, 'POST', '/api/clients', {
    as: admin, body: { name: 'limited', team_id: team.id, rpm: 2, budget_usd: 1, budget_period: 'day', expires_at: '2099-12-31T23:59:59Z' },
  });
  expect(cr.status).toBe(201);
  const c = await json(cr);
  await chat(c.key);
  const view = await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }));
  expect(view).toMatchObject({
    team_id: team.id, models: null, budget_usd: 1, budget_period: 'day', rpm: 2, tpm: null, max_parallel: null, expires_at: '2099-12-31T23:59:59.000Z',
  });
  expect(view.spend_usd).toBeCloseTo(0.028, 10);
  expect((await json(await api(gw, 'GET', `/api/teams/${team.id}`, { as: admin }))).spend_usd).toBeCloseTo(0.028, 10);

  // PATCH is in force for the next request: a list without this model refuses it.
  const p = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { models: ['gpt-4o'] } });
  expect(p.status).toBe(200);
  expect((await json(p)).models).toEqual(['gpt-4o']);
  expect((await apiError(chat(c.key))).status).toBe(403);
  // An empty list is every model, as null is (README): the request is served again.
  const empty = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { models: [] } });
  expect((await json(empty)).models).toBe(null);
  await chat(c.key);
  await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { models: null, expires_at: '2020-01-01T00:00:00Z' } });
  expect((await apiError(chat(c.key))).status).toBe(401);

  const del = await api(gw, 'DELETE', `/api/teams/${team.id}`, { as: admin });
  expect(await json(del)).toEqual({ id: team.id, deleted: true });
  expect(gw.ctx.db.select().from(clients).where(eq(clients.id, c.id)).get()!.teamId).toBe(null);
  expect((await api(gw, 'GET', `/api/teams/${team.id}`, { as: admin })).status).toBe(404);
});

test("PATCH /api/teams/{id} changes only the fields sent, in force for the team's keys at once", async () => {
  const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'patched', budget_usd: 3, budget_period: 'month' } }));
  const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'member', team_id: team.id } }));
  expect((await chat(c.key)).choices.length).toBe(1);

  const p = await api(gw, 'PATCH', `/api/teams/${team.id}`, { as: admin, body: { models: ['gpt-4o'], rpm: 50 } });
  expect(p.status).toBe(200);
  expect(await json(p)).toMatchObject({ id: team.id, name: 'patched', budget_usd: 3, budget_period: 'month', models: ['gpt-4o'], rpm: 50 });
  const err = await apiError(chat(c.key));
  expect([err.status, err.code]).toEqual([403, 'model_not_allowed']);
  expect(err.message).toContain("team 'patched'");

  // null lifts a limit again; the next request is served.
  const back = await json(await api(gw, 'PATCH', `/api/teams/${team.id}`, { as: admin, body: { models: null } }));
  expect(back).toMatchObject({ models: null, rpm: 50, budget_usd: 3 });
  expect((await chat(c.key)).choices.length).toBe(1);
});

test('bad limit fields get a 400 in OpenAI shape naming the field', async () => {
  const cases: [string, string, object, string][] = [
    ['POST', '/api/clients', { name: 'x', expires_at: 'next tuesday' }, 'expires_at'],
    ['POST', '/api/clients', { name: 'x', team_id: 999 }, 'team_id'],
    ['POST', '/api/clients', { name: 'x', models: ['nosuch/*'] }, 'models'],
    ['POST', '/api/teams', { name: '  ' }, 'name'],
  ];
  for (const [method, path, body, param] of cases) {
    const r = await api(gw, method, path, { as: admin, body });
    expect(r.status).toBe(400);
    const e = (await json(r)).error;
    expect(e.type).toBe('invalid_request_error');
    expect(e.param ?? e.message).toContain(param);
  }
  for (const body of [{ name: 'x', rpm: 0 }, { name: 'x', budget_period: 'year' }, { name: 'x', budget_usd: -1 }]) {
    const r = await api(gw, 'POST', '/api/clients', { as: admin, body });
    expect(r.status).toBe(400);
    expect((await json(r)).error.type).toBe('invalid_request_error');
  }
  await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'dup' } });
  expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'dup' } })).status).toBe(409);
});

test('a viewer reads teams and spend but changes nothing', async () => {
  const viewer = await makeUser(gw, admin, 'watcher', 'viewer');
  const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'ops' } }));
  expect((await api(gw, 'GET', '/api/teams', { as: viewer })).status).toBe(200);
  expect((await api(gw, 'GET', `/api/teams/${team.id}`, { as: viewer })).status).toBe(200);
  expect((await api(gw, 'POST', '/api/teams', { as: viewer, body: { name: 'no' } })).status).toBe(403);
  expect((await api(gw, 'PATCH', `/api/teams/${team.id}`, { as: viewer, body: { rpm: 1 } })).status).toBe(403);
  expect((await api(gw, 'DELETE', `/api/teams/${team.id}`, { as: viewer })).status).toBe(403);
  expect((await api(gw, 'PATCH', '/api/clients/1', { as: viewer, body: { rpm: 1 } })).status).toBe(403);
});

test('the OpenAPI document describes the teams routes and the new client fields', async () => {
  const doc = await (await fetch(`${gw.url}/swagger/json`)).json();
  for (const p of ['/api/teams', '/api/teams/{id}']) expect(doc.paths[p]).toBeDefined();
  expect(JSON.stringify(doc.paths['/api/clients'].post)).toContain('max_parallel');
  expect(JSON.stringify(doc.paths['/api/clients/{id}'].patch)).toContain('expires_at');
});

test('budget_resets_at: when each period\'s spend restarts (next UTC midnight, Monday, 1st of the month), null for total; on every view of a key or team', async () => {
  limitsAt = Date.parse('2026-12-30T15:30:00Z'); // a Wednesday
  try {
    const expected = { day: '2026-12-31T00:00:00.000Z', week: '2027-01-04T00:00:00.000Z', month: '2027-01-01T00:00:00.000Z', total: null };
    for (const [budget_period, resets] of Object.entries(expected)) {
      const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: `resets-${budget_period}`, budget_usd: 2, budget_period } }));
      expect([budget_period, team.budget_resets_at]).toEqual([budget_period, resets]);
      expect((await json(await api(gw, 'GET', `/api/teams/${team.id}`, { as: admin }))).budget_resets_at).toBe(resets);
      const made = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: `resets-${budget_period}`, budget_usd: 1, budget_period } }));
      const key = await json(await api(gw, 'GET', `/api/clients/${made.id}`, { as: admin }));
      expect([budget_period, key.spend_usd, key.budget_resets_at]).toEqual([budget_period, 0, resets]);
      const listed = (await json(await api(gw, 'GET', '/api/clients', { as: admin }))).data.find((c: { id: number }) => c.id === made.id);
      expect(listed.budget_resets_at).toBe(resets);
    }
    // Without a budget the period's spend still restarts then (spend_usd is the period's).
    const plain = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'resets-no-budget' } }));
    expect([plain.budget_usd, plain.budget_period, plain.budget_resets_at]).toEqual([null, 'month', expected.month]);
    const listedTeam = (await json(await api(gw, 'GET', '/api/teams', { as: admin }))).data.find((t: { id: number }) => t.id === plain.id);
    expect(listedTeam.budget_resets_at).toBe(expected.month);
  } finally {
    limitsAt = null;
  }
  const doc = JSON.stringify((await (await fetch(`${gw.url}/swagger/json`)).json()).paths['/api/teams/{id}'].get);
  expect(doc).toContain('budget_resets_at');
});
