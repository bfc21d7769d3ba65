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

describe('ids, integers and dates are what the API documents', () => {
  test('a numeric id in a path is plain decimal: 0x10, 1e1, " 16", "016", "16.0", "+16" are a 400 like "abc"', async () => {
    const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'ids-team' } }));
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'ids-client' } }));
    for (const [base, id] of [['/api/clients', c.id], ['/api/teams', team.id], ['/api/users', 1]] as const) {
      expect((await api(gw, 'GET', `${base}/${id}`, { as: admin })).status).toBe(200);
      const hex = `0x${id.toString(16)}`;
      for (const bad of [hex, `${id}e0`, `%20${id}`, `0${id}`, `${id}.0`, `%2B${id}`, 'abc']) {
        for (const method of ['GET', 'PATCH', 'DELETE']) {
          const r = await api(gw, method, `${base}/${bad}`, { as: admin, body: method === 'PATCH' ? {} : undefined });
          expect({ path: `${method} ${base}/${bad}`, status: r.status }).toEqual({ path: `${method} ${base}/${bad}`, status: 400 });
          expect((await json(r)).error).toMatchObject({ param: 'id', message: expect.stringContaining('decimal digits') });
        }
      }
    }
    // Nothing was deleted or revoked by a look-alike id.
    expect((await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }))).revoked).toBe(false);
    expect((await api(gw, 'GET', `/api/teams/${team.id}`, { as: admin })).status).toBe(200);
  });

  test('a provider key id is plain decimal too: 01 names no key', async () => {
    const k = await json(await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-decimal-key-000000' } }));
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/0${k.id}`, { as: admin })).status).toBe(404);
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${k.id}`, { as: admin })).status).toBe(200);
  });

  test('integers documented as integers are JSON numbers: "1" is a 400 naming the field', async () => {
    const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'typed-team' } }));
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'typed' } }));
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['PATCH', `/api/clients/${c.id}`, { team_id: String(team.id) }, 'team_id'],
      ['PATCH', `/api/clients/${c.id}`, { rpm: '10' }, 'rpm'],
      ['PATCH', `/api/clients/${c.id}`, { max_parallel: '0x10' }, 'max_parallel'],
      ['POST', '/api/clients', { name: 'x', tpm: '1e3' }, 'tpm'],
      ['PATCH', `/api/teams/${team.id}`, { rpm: '5' }, 'rpm'],
      ['PATCH', '/api/models/gpt-4o', { context_window: '128000' }, 'context_window'],
      ['PATCH', '/api/models/gpt-4o', { long_context_threshold: '1000' }, 'long_context_threshold'],
      ['POST', '/api/providers/openai/keys', { key: 'sk-typed-weight-0000', weight: '2' }, 'weight'],
      ['PUT', '/api/groups/fast-flow', { strategy: 'heuristic', targets: ['gpt-4o'], logic_level: '3' }, 'logic_level'],
    ];
    for (const [method, path, body, param] of cases) {
      const r = await api(gw, method, path, { as: admin, body });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect((await json(r)).error.param).toBe(param);
    }
    const after = await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }));
    expect([after.team_id, after.rpm, after.max_parallel]).toEqual([null, null, null]);
    // The same values as numbers are taken.
    const ok = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { team_id: team.id, rpm: 10 } });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ team_id: team.id, rpm: 10 });
  });

  test('expires_at must name a time that exists: 2026-02-30 is a 400, not March 2nd', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'dated' } }));
    for (const bad of ['2026-02-30T00:00:00Z', '2027-02-29T00:00:00Z', '2026-04-31T12:00:00Z', '2026-06-01T24:00:00Z', '2026-06-01T08:60:00Z', '2026-06-01T08:00:00+25:00']) {
      const r = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { expires_at: bad } });
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
      expect((await json(r)).error.param).toBe('expires_at');
    }
    const create = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'dated2', expires_at: '2026-02-30T00:00:00Z' } });
    expect(create.status).toBe(400);
    expect((await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }))).expires_at).toBeNull();
    for (const [good, iso] of [['2028-02-29T23:59:59Z', '2028-02-29T23:59:59.000Z'], ['2026-06-01T08:00:00+02:00', '2026-06-01T06:00:00.000Z']]) {
      const r = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { expires_at: good } });
      expect(r.status).toBe(200);
      expect((await json(r)).expires_at).toBe(iso);
    }
  });
});

describe('fields a route does not take', () => {
  test('PATCH {"revoked": false} on a revoked key is a 400 naming `revoked`; the key stays revoked', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'unknown-field-client' } }));
    expect((await api(gw, 'DELETE', `/api/clients/${c.id}`, { as: admin })).status).toBe(200);
    const r = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { revoked: false } });
    await expect400(r, 'revoked');
    const after = await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }));
    expect(after.revoked_at ?? after.revoked).toBeTruthy();
  });

  test('a camelCase typo is a 400 naming it, with the field left as it was; the right name still works', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'typo-client' } }));
    const r = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { budgetUsd: 5 } });
    await expect400(r, 'budgetUsd');
    expect((await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }))).budget_usd ?? null).toBeNull();
    const ok = await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { budget_usd: 5 } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).budget_usd).toBe(5);
  });

  test('every admin body route refuses an extra top-level field, naming it, and creates nothing', async () => {
    await expect400(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'x-extra', extra: 1 } }), 'extra');
    expect((await json(await api(gw, 'GET', '/api/clients', { as: admin }))).data.map((c: any) => c.name)).not.toContain('x-extra');
    await expect400(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 't-extra', budgetUsd: 1 } }), 'budgetUsd');
    const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 't-ok' } }));
    await expect400(await api(gw, 'PATCH', `/api/teams/${team.id}`, { as: admin, body: { maxParallel: 1 } }), 'maxParallel');
    await expect400(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'u-extra', password: 'long-enough-pass-1', admin: true } }), 'admin');
    await expect400(await api(gw, 'PATCH', '/api/users/1', { as: admin, body: { username: 'renamed' } }), 'username');
    await expect400(await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { disabled: true } }), 'disabled');
    await expect400(await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-extra-0000000000', name: 'k' } }), 'name');
    await expect400(await api(gw, 'PATCH', '/api/models/gpt-4o', { as: admin, body: { disabled: true } }), 'disabled');
    expect(gw.ctx.state.getSnapshot().models.get('gpt-4o')!.enabled).toBe(true);
    await expect400(await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'g-extra', strategy: 'heuristic', targets: ['gpt-4o'], fallback: true } }), 'fallback');
    await expect400(await api(gw, 'PUT', '/api/groups/fast-flow', { as: admin, body: { strategy: 'heuristic', targets: ['gpt-4o'], enabled: true } }), 'enabled');
    await expect400(await api(gw, 'POST', '/api/groups/try', { as: admin, body: { model: 'gpt-4o', prompt: 'hi', stream: true } }), 'stream');
    await expect400(await api(gw, 'POST', '/api/auth/change-password', { as: admin, body: { current_password: 'x', new_password: 'y', confirm: 'y' } }), 'confirm');
    const login = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'x', remember: true }) });
    await expect400(login, 'remember');
  });

  test('the error says which fields the route takes', async () => {
    const b = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 't2', nmae: 'x' } }));
    expect(b.error.code).toBe('unknown_field');
    expect(b.error.message).toContain("'nmae'");
    expect(b.error.message).toContain("'budget_usd'");
  });
});
