/**
 * A group's `settings` sent as JSON null means the defaults, as `{}` does (null clears a field
 * throughout the admin API), on POST and PUT; anything else that is no JSON object (a string, an
 * array, a number) is still a 400 naming `settings`, never stored converted (Elysia's check turns
 * "x" into {"0":"x"} under a record, nullable or not). Over real HTTP, signed in as an admin.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), { env: { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai-0000' } });

const rules = [{ kind: 'keywords', words: ['proof'], weight: 2 }];

test('PUT settings null: the defaults, as {} gives them; the snapshot follows', async () => {
  const body = { name: 'null-settings', strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'], settings: { rules } };
  expect((await api(gw, 'POST', '/api/groups', { as: admin, body })).status).toBe(201);
  expect(gw.ctx.state.getSnapshot().groups.get('null-settings')!.settings).toEqual({ rules });
  const r = await api(gw, 'PUT', '/api/groups/null-settings', { as: admin, body: { strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'], settings: null } });
  expect(r.status).toBe(200);
  expect((await json(r)).settings).toEqual({});
  expect((await json(await api(gw, 'GET', '/api/groups/null-settings', { as: admin }))).settings).toEqual({});
  expect(gw.ctx.state.getSnapshot().groups.get('null-settings')!.settings).toEqual({});
});

test('POST settings null: created with the defaults', async () => {
  const r = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'null-settings-new', strategy: 'heuristic', targets: ['gpt-4o'], settings: null } });
  expect(r.status).toBe(201);
  expect((await json(r)).settings).toEqual({});
});

test('settings that are no object nor null: a 400 naming settings, the group unchanged', async () => {
  const body = { name: 'kept-settings', strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'], settings: { rules } };
  expect((await api(gw, 'POST', '/api/groups', { as: admin, body })).status).toBe(201);
  for (const settings of ['x', 'zz-not-valid', [1], 12345, true]) {
    const r = await api(gw, 'PUT', '/api/groups/kept-settings', { as: admin, body: { ...body, name: undefined, settings } });
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatchObject({ type: 'invalid_request_error', param: 'settings', message: "Invalid value for 'settings': must be a JSON object or null." });
    const c = await api(gw, 'POST', '/api/groups', { as: admin, body: { ...body, name: 'never-made', settings } });
    expect(c.status).toBe(400);
  }
  expect((await json(await api(gw, 'GET', '/api/groups/kept-settings', { as: admin }))).settings).toEqual({ rules });
  expect((await api(gw, 'GET', '/api/groups/never-made', { as: admin })).status).toBe(404);
});
