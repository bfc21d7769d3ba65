/**
 * INTERFACE.md (/work/shared/INTERFACE.md, the names users and scripts rely on), used the way a
 * script author uses it: each documented route, field, header, error code, setting and metric
 * name is called literally against a real gateway, so a rename fails here. Deeper behaviour of
 * each name lives in its own suite; this file pins the spelling, the method and the status.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { hostname } from 'node:os';
import { loadConfig } from '../../src/config/config';
import { PROVIDER_CATALOG } from '../../src/providers/provider-catalog';
import { PROVIDER_IDS } from '../../src/providers/types';
import { api, apiLogRow, json, login, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus } from '../metrics/parse-prometheus';

// Gateways and password hashes: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

const ENV_OPENAI_KEY = 'sk-env-openai-key-0123456789';
const openaiFake = startFakeUpstream((req) => {
  const path = new URL(req.url).pathname;
  if (path.endsWith('/images/generations')) return jsonResponse({ created: 1, data: [{ b64_json: 'aGk=' }] });
  return jsonResponse({ error: { message: 'not here', type: 'invalid_request_error' } }, 404);
});

let gw: TestGateway;
let admin: Session;
let viewer: Session;

useAdminGateway(async (s) => {
  ({ gw, admin } = s);
  viewer = await makeUser(gw, admin, 'iface-viewer', 'viewer');
  const group = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'iface-group', strategy: 'heuristic', targets: ['mock/echo'] } });
  if (group.status !== 201) throw new Error(`POST /api/groups: ${group.status}`);
}, {
  env: {
    LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
    LLM_PROXY__PROVIDERS__MOCK__MODELS: 'iface-listed',
    OPENAI_API_KEY: ENV_OPENAI_KEY,
    LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${openaiFake.url}/v1`,
    // DeepSeek has no embeddings: enabled (its key set) so the refusal is about the capability.
    DEEPSEEK_API_KEY: 'sk-env-deepseek-key-0123456789',
    LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: `${openaiFake.url}/v1`,
    LLM_PROXY__INSTANCE_ID: 'iface-instance',
    LLM_PROXY__SERVER__MAX_BODY_MB: '0.01',
  },
  // Rows go to the database, where GET /api/logs reads them.
  storeLogs: true,
});

const chat = (model = 'mock/echo', extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const message = (model = 'mock/echo', extra: object = {}) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  gw.fetch(path, { method: 'POST', body: JSON.stringify(body), headers });
/** A /v1/messages call with the key as x-api-key (Claude Code's way), no Authorization header. */
const anthropicPost = (path: string, key: string, body: unknown) =>
  fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function openaiError(r: Response, status: number, fields: { type?: string; code?: string; param?: string | null } = {}) {
  const b = await json(r);
  expect({ status: r.status, body: b }).toMatchObject({ status, body: { error: fields } });
  expect(Object.keys(b.error).sort()).toEqual(['code', 'message', 'param', 'type']);
}
async function anthropicError(r: Response, status: number, type: string) {
  expect({ status: r.status, body: await json(r) }).toEqual({ status, body: { type: 'error', error: { type, message: expect.any(String) } } });
}
async function newKey(body: object): Promise<{ id: number; key: string }> {
  const r = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: `k-${crypto.randomUUID().slice(0, 8)}`, ...body } });
  expect(r.status).toBe(201);
  return json(r);
}

describe('Configuration: every documented variable is read, with the documented default', () => {
  test('defaults', () => {
    const c = loadConfig({});
    expect(c.server).toMatchObject({ host: '0.0.0.0', port: 8080, maxBodyMb: 32 });
    expect(c.database.path).toBe('./data/gophergate.db');
    expect(c.upstream).toMatchObject({ timeoutS: 600, idleTimeoutS: 120 });
    expect(c.security.imageUrlAllowHosts).toEqual([]);
    expect(c.logging.retentionDays).toBe(30);
    expect(c.redis.prefix).toBe('gophergate:');
    expect(c.limits.failMode).toBe('open');
    expect(c.instanceId).toBe(`${hostname()}-${process.pid}`);
    expect(c.encryptionKey).toBeUndefined();
    expect(c.admin.password).toBeUndefined();
  });

  test('each name sets its value', () => {
    const c = loadConfig({
      LLM_PROXY__SERVER__HOST: '127.0.0.9', LLM_PROXY__SERVER__PORT: '9099', LLM_PROXY__DATABASE__PATH: '/tmp/x.db',
      LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32), LLM_PROXY__ADMIN__PASSWORD: 'pw-pw-pw-pw',
      LLM_PROXY__SERVER__MAX_BODY_MB: '2', LLM_PROXY__UPSTREAM__TIMEOUT_S: '7', LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '8',
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: 'a.test,b.test', LLM_PROXY__LOGGING__RETENTION_DAYS: '3',
      LLM_PROXY__DATABASE__URL: 'postgres://u@127.0.0.1:5432/test', LLM_PROXY__REDIS__URL: 'redis://127.0.0.1:6379',
      LLM_PROXY__REDIS__PREFIX: 'dep2:', LLM_PROXY__INSTANCE_ID: 'i-7', LLM_PROXY__LIMITS__FAIL_MODE: 'closed',
    });
    expect(c.server).toMatchObject({ host: '127.0.0.9', port: 9099, maxBodyMb: 2 });
    expect(c.database).toEqual({ path: '/tmp/x.db', url: 'postgres://u@127.0.0.1:5432/test' });
    expect([c.encryptionKey, c.admin.password]).toEqual(['ab'.repeat(32), 'pw-pw-pw-pw']);
    expect(c.upstream).toMatchObject({ timeoutS: 7, idleTimeoutS: 8 });
    expect(c.security.imageUrlAllowHosts).toEqual(['a.test', 'b.test']);
    expect(c.logging.retentionDays).toBe(3);
    expect(c.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'dep2:' });
    expect([c.instanceId, c.limits.failMode]).toEqual(['i-7', 'closed']);
  });

  test('provider ids and their variables (<P>_API_KEY and LLM_PROXY__PROVIDERS__<P>__*)', () => {
    expect([...PROVIDER_IDS].sort()).toEqual(['anthropic', 'deepseek', 'gemini', 'grok', 'mock', 'moonshot', 'ollama', 'openai']);
    const plain = loadConfig(Object.fromEntries(['OPENAI', 'GEMINI', 'DEEPSEEK', 'MOONSHOT', 'GROK', 'ANTHROPIC'].map((p) => [`${p}_API_KEY`, `key-${p}`])));
    for (const p of ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'anthropic']) expect(plain.providers[p]!.apiKey).toBe(`key-${p.toUpperCase()}`);
    for (const id of PROVIDER_IDS) {
      const P = id.toUpperCase();
      const c = loadConfig({
        [`LLM_PROXY__PROVIDERS__${P}__BASE_URL`]: 'http://127.0.0.1:1/v1', [`LLM_PROXY__PROVIDERS__${P}__API_KEY`]: 'k-1',
        [`LLM_PROXY__PROVIDERS__${P}__ENABLED`]: 'false', [`LLM_PROXY__PROVIDERS__${P}__MODELS`]: 'a,b',
      });
      expect({ id, ...c.providers[id] }).toEqual({ id, baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k-1', enabled: false, models: ['a', 'b'] });
    }
  });

  test('base URL defaults', () => {
    expect(Object.fromEntries(PROVIDER_IDS.filter((p) => p !== 'mock').map((p) => [p, PROVIDER_CATALOG[p].defaultBaseUrl]))).toEqual({
      openai: 'https://api.openai.com/v1', gemini: 'https://generativelanguage.googleapis.com', deepseek: 'https://api.deepseek.com/v1',
      moonshot: 'https://api.moonshot.ai/v1', grok: 'https://api.x.ai/v1', ollama: 'http://localhost:11434/v1', anthropic: 'https://api.anthropic.com',
    });
  });
});

describe('HTTP /v1 (OpenAI wire format)', () => {
  test('POST /v1/chat/completions, usage names; provider/model, a bare id from __MODELS and a group name', async () => {
    const r = await post('/v1/chat/completions', chat());
    expect(r.status).toBe(200);
    const b = await json(r);
    expect(b.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: b.usage.prompt_tokens + b.usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
    expect((await post('/v1/chat/completions', chat('iface-listed'))).status).toBe(200);
    expect((await post('/v1/chat/completions', chat('iface-group'))).status).toBe(200);
  });

  test('errors: invalid 400 (not 422), unknown model 404, body too large 413, bad key 401', async () => {
    await openaiError(await post('/v1/chat/completions', { model: 'mock/echo' }), 400, { type: 'invalid_request_error', param: 'messages' });
    await openaiError(await post('/v1/chat/completions', chat('no-such-model-xyz')), 404, { code: 'model_not_found', param: 'model' });
    await openaiError(await post('/v1/chat/completions', chat('mock/echo', { pad: 'x'.repeat(20_000) })), 413, { code: 'request_too_large' });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: 'Bearer gg-wrong' }), 401, { type: 'authentication_error' });
  });

  test('POST /v1/responses; GET, DELETE and input_items of /v1/responses/{id}; another key gets 404', async () => {
    const created = await json(await post('/v1/responses', { model: 'mock/echo', input: 'hi', instructions: 'be brief' }));
    // (Bun's toMatchObject writes its matchers into the object: ids are checked as plain values.)
    expect([created.object, /^resp_/.test(created.id)]).toEqual(['response', true]);
    expect(await json(await gw.fetch(`/v1/responses/${created.id}`))).toMatchObject({ id: created.id, object: 'response' });
    const items = await json(await gw.fetch(`/v1/responses/${created.id}/input_items?limit=5&order=asc`));
    expect(items).toMatchObject({ object: 'list', has_more: false });
    expect(items.data.map((i: any) => i.role)).toEqual(['user']); // instructions are not items
    const other = await newKey({});
    await openaiError(await gw.fetch(`/v1/responses/${created.id}`, { headers: { authorization: `Bearer ${other.key}` } }), 404);
    const del = await gw.fetch(`/v1/responses/${created.id}`, { method: 'DELETE' });
    expect(await json(del)).toEqual({ id: created.id, object: 'response', deleted: true });
  });

  test('POST /v1/images/generations and GET /v1/models', async () => {
    const r = await post('/v1/images/generations', { model: 'openai/gpt-image-1', prompt: 'a cat' });
    expect({ status: r.status, body: await json(r) }).toMatchObject({ status: 200, body: { data: [{ b64_json: 'aGk=' }] } });
    const models = await json(await gw.fetch('/v1/models'));
    expect(models.object).toBe('list');
    expect(models.data.map((m: any) => m.id)).toContain('iface-listed');
  });

  test('POST /v1/embeddings; embeddings_not_supported (param model) and invalid_input (param input)', async () => {
    const r = await post('/v1/embeddings', { model: 'mock/emb', input: 'hi', encoding_format: 'base64' });
    expect(r.status).toBe(200);
    expect(typeof (await json(r)).data[0].embedding).toBe('string');
    await openaiError(await post('/v1/embeddings', { model: 'deepseek/deepseek-chat', input: 'hi' }), 400, { code: 'embeddings_not_supported', param: 'model' });
    await openaiError(await post('/v1/embeddings', { model: 'ollama/nomic-embed-text', input: [[1, 2, 3]] }), 400, { code: 'invalid_input', param: 'input' });
  });
});

describe('/v1/messages (Anthropic wire format)', () => {
  test('x-api-key or bearer, ?beta=true, count_tokens, SSE event names', async () => {
    // Every model name that works on /v1/chat/completions works here: provider/model, a bare id, a group.
    for (const model of ['iface-listed', 'iface-group'])
      expect({ model, status: (await anthropicPost('/v1/messages', gw.clientKey, message(model))).status }).toEqual({ model, status: 200 });
    const r = await anthropicPost('/v1/messages', gw.clientKey, message());
    expect(await json(r)).toMatchObject({ type: 'message', role: 'assistant', usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } });
    const s = await post('/v1/messages?beta=true', message('mock/echo', { stream: true }), { 'anthropic-beta': 'context-management-2025-06-27', 'anthropic-version': '2023-06-01' });
    const events = new Set([...(await s.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]));
    expect([...events].sort()).toEqual(['content_block_delta', 'content_block_start', 'content_block_stop', 'message_delta', 'message_start', 'message_stop', 'ping']);
    expect(await json(await anthropicPost('/v1/messages/count_tokens', gw.clientKey, { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })))
      .toEqual({ input_tokens: expect.any(Number) });
  });

  test('error types by status', async () => {
    await anthropicError(await anthropicPost('/v1/messages', gw.clientKey, { model: 'mock/echo' }), 400, 'invalid_request_error');
    await anthropicError(await anthropicPost('/v1/messages', 'gg-wrong', message()), 401, 'authentication_error');
    await anthropicError(await anthropicPost('/v1/messages', gw.clientKey, message('no-such-model-xyz')), 404, 'not_found_error');
    await anthropicError(await anthropicPost('/v1/messages', gw.clientKey, message('mock/echo', { pad: 'x'.repeat(20_000) })), 413, 'request_too_large');
    const narrow = await newKey({ models: ['ollama/*'] });
    await anthropicError(await anthropicPost('/v1/messages', narrow.key, message()), 403, 'permission_error');
    const slow = await newKey({ rpm: 1 });
    expect((await anthropicPost('/v1/messages', slow.key, message())).status).toBe(200);
    await anthropicError(await anthropicPost('/v1/messages', slow.key, message()), 429, 'rate_limit_error');
  });
});

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

describe('key limits: refusal codes and x-ratelimit-* headers', () => {
  test('model_not_allowed 403, budget_exceeded 429 insufficient_quota, rate_limit_exceeded 429 + retry-after, expired 401', async () => {
    const narrow = await newKey({ models: ['ollama/*'] });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${narrow.key}` }), 403, { code: 'model_not_allowed' });
    const broke = await newKey({ budget_usd: 0 });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${broke.key}` }), 429, { type: 'insufficient_quota', code: 'budget_exceeded' });
    const slow = await newKey({ rpm: 1, tpm: 100_000 });
    const ok = await post('/v1/chat/completions', chat(), { authorization: `Bearer ${slow.key}` });
    expect(Object.fromEntries(['limit-requests', 'remaining-requests', 'reset-requests', 'limit-tokens', 'remaining-tokens', 'reset-tokens']
      .map((h) => [h, ok.headers.get(`x-ratelimit-${h}`)]))).toEqual({
      'limit-requests': '1', 'remaining-requests': '0', 'reset-requests': expect.stringMatching(/^(\d+m)?\d+(\.\d+)?s$/),
      'limit-tokens': '100000', 'remaining-tokens': expect.stringMatching(/^\d+$/), 'reset-tokens': expect.stringMatching(/^(\d+m)?\d+(\.\d+)?s$/),
    });
    const refused = await post('/v1/chat/completions', chat(), { authorization: `Bearer ${slow.key}` });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    await openaiError(refused, 429, { code: 'rate_limit_exceeded' });
    const old = await newKey({ expires_at: '2020-01-01T00:00:00Z' });
    await openaiError(await post('/v1/chat/completions', chat(), { authorization: `Bearer ${old.key}` }), 401);
  });

  test('concurrency_limit_exceeded 429 while max_parallel requests are in flight', async () => {
    const one = await newKey({ max_parallel: 1 });
    const auth = { authorization: `Bearer ${one.key}` };
    const held = post('/v1/chat/completions', chat('mock/echo', { mock_latency_ms: 1500 }), auth);
    let second: Response | undefined;
    // Until the first is admitted, the second may be the one admitted: retry until one is refused.
    for (let i = 0; i < 50; i++) {
      second = await post('/v1/chat/completions', chat(), auth);
      if (second.status === 429) break;
      await Bun.sleep(20);
    }
    await openaiError(second!, 429, { code: 'concurrency_limit_exceeded' });
    expect((await held).status).toBe(200);
  });
});

describe('log rows: endpoint names', () => {
  test('chat, responses, images, messages, count_tokens, embeddings', async () => {
    const calls: [string, Promise<Response>][] = [
      ['chat', post('/v1/chat/completions', chat())],
      ['responses', post('/v1/responses', { model: 'mock/echo', input: 'hi' })],
      ['images', post('/v1/images/generations', { model: 'openai/gpt-image-1', prompt: 'a dog' })],
      ['messages', post('/v1/messages', message())],
      ['count_tokens', post('/v1/messages/count_tokens', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })],
      ['embeddings', post('/v1/embeddings', { model: 'mock/emb', input: 'hi' })],
    ];
    for (const [endpoint, p] of calls) {
      const row = await apiLogRow(gw, admin, (await p).headers.get('x-request-id')!);
      expect({ endpoint, row: row.endpoint }).toEqual({ endpoint, row: endpoint });
    }
  });
});

describe('the gateway\'s own 504 (LLM_PROXY__UPSTREAM__TIMEOUT_S)', () => {
  test('504 on /v1 in OpenAI\'s shape and api_error on /v1/messages', async () => {
    const silent = startFakeUpstream((req) => new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(jsonResponse({})))));
    const g = await startGateway({ env: { LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.3', OPENAI_API_KEY: 'sk-x-0123456789', LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${silent.url}/v1` } });
    try {
      const o = await g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat('openai/gpt-4o')) });
      expect(o.status).toBe(504);
      expect(Object.keys((await json(o)).error).sort()).toEqual(['code', 'message', 'param', 'type']);
      // MOCK is off unless LLM_PROXY__PROVIDERS__MOCK__ENABLED=true.
      expect((await json(await fetch(`${g.url}/health`))).providers.mock.enabled).toBe(false);
      await openaiError(await g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat('mock/echo')) }), 404, { code: 'model_not_found' });
      const a = await g.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(message('openai/gpt-4o')) });
      expect({ status: a.status, body: await json(a) }).toEqual({ status: 504, body: { type: 'error', error: { type: 'api_error', message: expect.any(String) } } });
    } finally {
      await g.close();
      silent.close();
    }
  });
});
