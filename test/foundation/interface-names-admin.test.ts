/**
 * INTERFACE.md (/work/shared/INTERFACE.md, the names users and scripts rely on), used the way a
 * script author uses it: each documented name is called literally against a real gateway
 * (interface-names-rig.ts), so a rename fails here. Deeper behaviour of each name lives in its
 * own suite; these files pin the spelling, the method and the status.
 * Here: /health, /swagger, /, /metrics and the admin API (auth, roles, clients, users, logs,
 * usage, models, monitor, groups, teams, limits, provider keys).
 */
import { describe, expect, test } from 'bun:test';
import { api, apiLogRow, json, login, makeUser, type Session } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';
import { parsePrometheus } from '../metrics/parse-prometheus';
import { chat, ENV_OPENAI_KEY, message, openaiError, useInterfaceGateway } from './interface-names-rig';

let gw: TestGateway;
let admin: Session;
let viewer: Session;
const { post, newKey } = useInterfaceGateway((r) => ({ gw, admin, viewer } = r));

describe('/health, /swagger, /, /metrics', () => {
  test('GET /health', async () => {
    const h = await json(await fetch(`${gw.url}/health`));
    expect(h).toMatchObject({ status: 'ok', version: expect.any(String), instance: 'iface-instance', store: 'sqlite', redis: 'off',
      log_queue: { depth: expect.any(Number), dropped: expect.any(Number) } });
    for (const id of ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'ollama', 'anthropic', 'mock'])
      expect({ id, ...h.providers[id] }).toMatchObject({ id, enabled: expect.any(Boolean), circuit: expect.stringMatching(/^(closed|open|half_open)$/) });
  });

  test('GET /swagger, GET /swagger/json (every documented admin route), GET /', async () => {
    expect((await fetch(`${gw.url}/swagger`)).status).toBe(200);
    const doc = await json(await fetch(`${gw.url}/swagger/json`));
    const ops = new Set(Object.entries(doc.paths as Record<string, object>).flatMap(([p, o]) => Object.keys(o).map((m) => `${m.toUpperCase()} ${p}`)));
    const documented = [
      'POST /api/auth/login', 'POST /api/auth/change-password', 'POST /api/clients', 'GET /api/clients/{id}', 'PATCH /api/clients/{id}',
      'DELETE /api/clients/{id}', 'POST /api/users', 'GET /api/logs', 'GET /api/usage/summary', 'GET /api/models/{id}', 'PATCH /api/models/{id}',
      'GET /api/monitor/ws', 'POST /api/groups', 'GET /api/groups/{name}', 'PUT /api/groups/{name}', 'DELETE /api/groups/{name}',
      'POST /api/teams', 'GET /api/teams', 'GET /api/teams/{id}', 'PATCH /api/teams/{id}', 'DELETE /api/teams/{id}',
      'POST /api/providers/{id}/keys', 'DELETE /api/providers/{id}/keys/{key_id}', 'GET /api/providers/{id}',
      'POST /v1/chat/completions', 'POST /v1/responses', 'POST /v1/images/generations', 'GET /v1/models', 'POST /v1/embeddings',
      'POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/responses/{id}', 'DELETE /v1/responses/{id}', 'GET /v1/responses/{id}/input_items',
    ];
    expect(documented.filter((o) => !ops.has(o))).toEqual([]);
    expect((await fetch(`${gw.url}/`, { redirect: 'manual' })).status).toBeLessThan(400);
  });

  test('GET /metrics: the documented names, each sample with an instance label', async () => {
    await post('/v1/chat/completions', chat());
    const { samples } = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
    const names = new Set(samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
    const documented = ['gophergate_circuit_state', 'gophergate_requests_in_flight', 'gophergate_upstream_connections_in_use',
      'gophergate_upstream_requests_waiting', 'gophergate_upstream_overloaded_total', 'gophergate_background_responses',
      'gophergate_upstream_queue_wait_seconds', 'gophergate_log_dropped_total', 'gophergate_requests_total', 'gophergate_tokens_total',
      'gophergate_provider_key_state'];
    expect(documented.filter((n) => !names.has(n))).toEqual([]);
    expect(samples.filter((s) => s.labels.instance !== 'iface-instance')).toEqual([]);
  });
});

describe('Admin API', () => {
  test('POST /api/auth/login: token, must_change_password, a cookie; bearer and cookie both accepted; 401 without', async () => {
    const r = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'test-admin-password' }) });
    const b = await json(r);
    expect([typeof b.token, b.must_change_password]).toEqual(['string', false]);
    const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${gw.url}/api/logs?limit=1`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${gw.url}/api/logs?limit=1`, { headers: { authorization: `Bearer ${b.token}` } })).status).toBe(200);
    await openaiError(await fetch(`${gw.url}/api/logs`), 401);
  });

  test('POST /api/auth/change-password {current_password, new_password}', async () => {
    const s = await makeUser(gw, admin, 'iface-changer', 'viewer');
    const r = await api(gw, 'POST', '/api/auth/change-password', { as: s, body: { current_password: 'iface-changer-password-1', new_password: 'iface-changer-password-2' } });
    expect(r.status).toBe(200);
    await login(gw, 'iface-changer', 'iface-changer-password-2');
  });

  test('roles: viewer reads everything but /api/users; mutations need admin (403)', async () => {
    for (const path of ['/api/logs?limit=1', '/api/usage/summary', '/api/groups', '/api/teams', '/api/providers/openai', '/api/models/gpt-4o'])
      expect({ path, status: (await api(gw, 'GET', path, { as: viewer })).status }).toEqual({ path, status: 200 });
    await openaiError(await api(gw, 'GET', '/api/users', { as: viewer }), 403);
    await openaiError(await api(gw, 'POST', '/api/clients', { as: viewer, body: { name: 'x' } }), 403);
  });

  test('POST /api/clients -> 201 {id, name, key}; POST /api/users -> 201 {id, username, role}; DELETE /api/clients/{id} revokes', async () => {
    const c = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'iface-client' } }));
    expect(c).toEqual({ id: expect.any(Number), name: 'iface-client', key: expect.any(String) });
    const u = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'iface-admin2', password: 'iface-admin2-password', role: 'admin' } });
    expect({ status: u.status, body: await json(u) }).toMatchObject({ status: 201, body: { id: expect.any(Number), username: 'iface-admin2', role: 'admin' } });
    // A role outside the two names says which two.
    const bad = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'iface-x', password: 'iface-x-password-1', role: 'root' } });
    expect({ status: bad.status, body: await json(bad) }).toMatchObject({ status: 400, body: { error: { param: 'role', message: expect.stringContaining("'admin', 'viewer'") } } });
    expect((await post('/v1/chat/completions', chat(), { authorization: `Bearer ${c.key}` })).status).toBe(200);
    expect((await api(gw, 'DELETE', `/api/clients/${c.id}`, { as: admin })).status).toBe(200);
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${c.key}` }), 401);
  });

  test('GET /api/logs fields (row picked by request id) and GET /api/usage/summary fields', async () => {
    const row = await apiLogRow(gw, admin, (await post('/v1/chat/completions', chat())).headers.get('x-request-id')!);
    expect(Object.keys(row)).toEqual(expect.arrayContaining(['id', 'created_at', 'client_id', 'model_requested', 'model', 'provider', 'status', 'stream',
      'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens', 'cost_usd', 'latency_ms', 'overhead_ms', 'error',
      'request_id', 'endpoint', 'instance', 'cache_write_tokens']));
    expect(row).toMatchObject({ client_id: gw.clientId, model_requested: 'mock/echo', provider: 'mock', status: 200, stream: false, endpoint: 'chat', instance: 'iface-instance' });
    const newest = (await json(await api(gw, 'GET', '/api/logs?limit=2', { as: admin }))).data;
    expect(newest[0].id).toBeGreaterThan(newest[1].id);
    const summary = async () => json(await api(gw, 'GET', '/api/usage/summary', { as: admin }));
    const sum = await summary();
    for (const k of ['requests', 'errors', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens', 'cost_usd', 'cache_write_tokens'])
      expect({ k, type: typeof sum[k] }).toEqual({ k, type: 'number' });
    // `requests` counts failed requests too (once their row is written).
    const failed = await post('/v1/chat/completions', chat('no-such-model-xyz'));
    await apiLogRow(gw, admin, failed.headers.get('x-request-id')!);
    const after = await summary();
    expect([after.requests - sum.requests, after.errors - sum.errors]).toEqual([1, 1]);
  });

  test('GET|PATCH /api/models/{id} (an id with / URL-encoded) and the price fields', async () => {
    expect((await api(gw, 'POST', '/api/models', { as: admin, body: { id: 'iface/org-model', provider: 'mock' } })).status).toBe(201);
    const fields = { enabled: false, input_price: 1, cached_input_price: 0.5, output_price: 2, reasoning_price: 3, image_price: 4, cache_write_price: 1.25 };
    const p = await api(gw, 'PATCH', `/api/models/${encodeURIComponent('iface/org-model')}`, { as: admin, body: fields });
    expect(p.status).toBe(200);
    expect(await json(await api(gw, 'GET', '/api/models/iface%2Forg-model', { as: admin }))).toMatchObject({ id: 'iface/org-model', ...fields });
  });

  test('GET /api/monitor/ws with a bearer token: one JSON message per finished request', async () => {
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { authorization: `Bearer ${admin.token}` } } as any);
    const got: any[] = [];
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)));
    await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onclose = (e) => reject(new Error(`closed ${e.code}`)); });
    try {
      const id = (await post('/v1/chat/completions', chat())).headers.get('x-request-id');
      const mine = () => got.filter((m) => m.type === 'request' && m.data?.request_id === id);
      for (let i = 0; i < 250 && !mine().length; i++) await Bun.sleep(20);
      expect(got[0]).toEqual({ type: 'hello', data: { topic: expect.any(String) } });
      expect(mine()).toHaveLength(1);
      expect(mine()[0].data).toMatchObject({ endpoint: 'chat', status: 200, model_requested: 'mock/echo' });
      expect(JSON.stringify(got)).not.toContain(gw.clientKey);
    } finally {
      ws.close();
    }
  });

  test('groups: POST 201, GET|PUT|DELETE /api/groups/{name}; the seeded names', async () => {
    const body = { name: 'iface-g2', strategy: 'heuristic', targets: ['mock/echo'], logic_level: 3, primary_use: 'tests', settings: {} };
    expect((await api(gw, 'POST', '/api/groups', { as: admin, body })).status).toBe(201);
    expect(await json(await api(gw, 'GET', '/api/groups/iface-g2', { as: admin }))).toMatchObject(body);
    // A script replaces a group with the same body it created it with (its name included).
    const put = await api(gw, 'PUT', '/api/groups/iface-g2', { as: admin, body: { ...body, targets: ['mock/echo', 'mock/other'] } });
    expect({ status: put.status, body: await json(put) }).toMatchObject({ status: 200, body: { name: 'iface-g2', targets: ['mock/echo', 'mock/other'] } });
    await openaiError(await api(gw, 'PUT', '/api/groups/iface-g2', { as: admin, body: { ...body, name: 'renamed' } }), 400, { param: 'name' });
    expect((await api(gw, 'DELETE', '/api/groups/iface-g2', { as: admin })).status).toBe(200);
    const names = (await json(await api(gw, 'GET', '/api/groups', { as: admin }))).data.map((g: any) => g.name);
    expect(names).toEqual(expect.arrayContaining(['fast-flow', 'standard-pro', 'heavy-logic', 'dispatcher', 'deepseek-auto', 'openai-auto', 'gemini-auto']));
  });

  test('teams: POST 201, GET list, GET|PATCH|DELETE /api/teams/{id}', async () => {
    const body = { name: 'iface-team', models: ['mock/*'], budget_usd: 5, budget_period: 'week', rpm: 100, tpm: 100_000 };
    const t = await json(await api(gw, 'POST', '/api/teams', { as: admin, body }));
    expect(typeof t.id).toBe('number');
    expect(t).toMatchObject(body);
    expect((await json(await api(gw, 'GET', '/api/teams', { as: admin }))).data.map((x: any) => x.id)).toContain(t.id);
    expect(await json(await api(gw, 'PATCH', `/api/teams/${t.id}`, { as: admin, body: { rpm: 50 } }))).toMatchObject({ rpm: 50 });
    expect(await json(await api(gw, 'GET', `/api/teams/${t.id}`, { as: admin }))).toMatchObject({ rpm: 50 });
    expect((await api(gw, 'DELETE', `/api/teams/${t.id}`, { as: admin })).status).toBe(200);
  });

  test('client limit fields round-trip through POST|PATCH|GET /api/clients/{id}, with spend_usd', async () => {
    const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'iface-team2' } }));
    const limits = { team_id: team.id, models: ['mock/*', 'iface-group'], budget_usd: 3, budget_period: 'total', rpm: 10, tpm: 10_000, max_parallel: 2 };
    const c = await newKey({ ...limits, expires_at: '2026-12-31T23:59:59Z' });
    const got = await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }));
    expect(got).toMatchObject({ ...limits, spend_usd: 0 });
    expect(Date.parse(got.expires_at)).toBe(Date.parse('2026-12-31T23:59:59Z'));
    for (const period of ['day', 'week', 'month']) expect((await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { budget_period: period } })).status).toBe(200);
    expect(await json(await api(gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: { expires_at: null } }))).toMatchObject({ expires_at: null });
  });

  test('provider keys: POST 201 {id, label, last4, weight}; GET lists keys with state, the env key as label env weight 1; DELETE', async () => {
    const r = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-pool-key-abcdef9876', weight: 3, label: 'pool-a' } });
    const k = await json(r);
    expect({ status: r.status, body: k }).toEqual({ status: 201, body: { id: expect.anything(), label: 'pool-a', last4: '9876', weight: 3 } });
    const keys = (await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).keys;
    expect(keys).toEqual(expect.arrayContaining([
      expect.objectContaining({ label: 'env', last4: '6789', weight: 1, state: 'active' }),
      expect.objectContaining({ id: k.id, label: 'pool-a', last4: '9876', weight: 3, state: 'active' }),
    ]));
    expect(JSON.stringify(keys)).not.toContain(ENV_OPENAI_KEY);
    expect((await api(gw, 'DELETE', `/api/providers/openai/keys/${k.id}`, { as: admin })).status).toBe(200);
  });
});
