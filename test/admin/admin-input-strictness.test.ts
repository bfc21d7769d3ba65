import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

/** One /api call with a raw JSON text body (JSON.stringify cannot write an own `__proto__` key). */
const raw = (method: string, path: string, body: string) =>
  fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body });

async function expect400(r: Response, param: string): Promise<void> {
  expect(r.status).toBe(400);
  const b = await json(r);
  expect(b.error.type).toBe('invalid_request_error');
  expect(b.error.param).toBe(param);
}

describe('keys that name a prototype', () => {
  test('a nested `__proto__` never acts as top-level fields: 400 naming it, nothing changed, on every admin route', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'proto-target' } }));
    await expect400(await raw('PATCH', `/api/clients/${c.id}`, '{"__proto__":{"name":"zz"}}'), '__proto__');
    expect((await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }))).name).toBe('proto-target');

    await expect400(await raw('POST', '/api/clients', '{"name":"a","__proto__":{"rpm":5}}'), '__proto__');
    await expect400(await raw('POST', '/api/teams', '{"name":"t","constructor":{"rpm":5}}'), 'constructor');
    await expect400(await raw('PATCH', '/api/models/gpt-4o', '{"__proto__":{"enabled":false}}'), '__proto__');
    expect(gw.ctx.state.getSnapshot().models.get('gpt-4o')!.enabled).toBe(true);
    await expect400(await raw('PUT', '/api/groups/fast-flow', '{"strategy":"heuristic","targets":["gpt-4o"],"settings":{"rules":[],"__proto__":{"x":1}}}'), 'settings.__proto__');
    await expect400(await raw('POST', '/api/groups', '{"name":"g1","strategy":"heuristic","targets":["gpt-4o"],"prototype":{}}'), 'prototype');
    await expect400(await raw('POST', '/api/providers/openai/keys', '{"key":"sk-proto-0000000000","__proto__":{"weight":5,"label":"pp"}}'), '__proto__');
    expect((await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).keys.map((k: any) => k.label)).not.toContain('pp');
    await expect400(await raw('PATCH', '/api/providers/openai', '{"__proto__":{"enabled":false}}'), '__proto__');
    await expect400(await raw('POST', '/api/users', '{"username":"u1","password":"long-enough-pass-1","__proto__":{"role":"admin"}}'), '__proto__');
    await expect400(await raw('POST', '/api/auth/change-password', '{"__proto__":{"current_password":"x","new_password":"y"}}'), '__proto__');
    const login = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"username":"admin","password":"x"}}' });
    await expect400(login, '__proto__');
  });

  test('found however deep it is nested (within the 256 levels /api takes)', async () => {
    const deep = `{"name":"deep","models":${'['.repeat(200)}{"__proto__":1}${']'.repeat(200)}}`;
    const r = await raw('POST', '/api/clients', deep);
    expect(r.status).toBe(400);
    expect((await json(r)).error.message).toContain("'__proto__'");
  });

  test('the same keys as plain values, or inside strings, are data', async () => {
    const r = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: '__proto__ constructor prototype' } });
    expect(r.status).toBe(201);
  });
});
