/**
 * Contract test of /swagger/json, walking the document itself: every operation it lists (the
 * admin API, /v1, /health, /metrics) is driven over real HTTP with a valid request (SAMPLES) and
 * invalid ones: no credentials, a viewer on an admin-only route, the session cookie on /api reads,
 * a malformed, mistyped or oversized body, each required body field left out and each field given
 * a value its schema refuses, an undocumented field where the body is closed, other documented
 * media types, an id that does not exist or is not one, each query parameter good and bad (a typed
 * one the route ignores fails), and VARIANTS (streams, Anthropic's dialect, 404, 429). Each answer
 * is checked against the document: status listed, content type, Ajv on the body (the admin
 * API's and /health's schemas closed), required headers (test/helpers/openapi-contract.ts). A new
 * operation fails here until SAMPLES holds a valid request for it. The other way round: every
 * served route is documented, the document is one client generators take, and every route, query
 * parameter and body or answer field INTERFACE.md names is in it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { ADMIN_PASSWORD, api, login, makeUser, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { namesIn, namesOf, openApiContract, operations, outside, servedOperations, type OpenApiDoc } from '../helpers/openapi-contract';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

// The openai provider's fake upstream: a model list (connection test) and an image (dall-e-3).
const upstream = startFakeUpstream((req) =>
  new URL(req.url).pathname.endsWith('/images/generations') ? jsonResponse(fixtureJson('images', 'openai-dalle3-url.json')) : jsonResponse({ object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: 1, owned_by: 'openai' }] }),
);
afterAll(() => upstream.close());
const METRICS_TOKEN = 'contract-metrics-token';
let gw: TestGateway;
useGateway((g) => (gw = g), { storeLogs: true, env: { ...providerEnv('openai', `${upstream.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__SERVER__MAX_BODY_MB: '0.05', LLM_PROXY__METRICS__TOKEN: METRICS_TOKEN } });
const OVER_MAX_BODY = JSON.stringify({ pad: 'x'.repeat(60 * 1024) });

type Who = 'admin' | 'viewer' | 'client' | 'none' | Session | { key: string };
/** `sends`: headers the answer must carry and its documented status must name. */
interface Call { url: string; as: Who; body?: unknown; raw?: string; headers?: Record<string, string>; status?: number; sends?: string[] }

let doc: OpenApiDoc;
let contract: ReturnType<typeof openApiContract>;
const s = {} as { admin: Session; viewer: Session };
beforeAll(async () => {
  doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as OpenApiDoc;
  contract = openApiContract(doc);
  s.admin = await login(gw, 'admin', ADMIN_PASSWORD);
  s.viewer = await makeUser(gw, s.admin, 'contract-viewer', 'viewer');
  await created('/api/teams', { name: 'contract-first-team' }); // team 1, for ?after_id=1
});

let serial = 0;
const unique = (what: string) => `contract-${what}-${++serial}`;
const created = async (path: string, body: unknown, key = 'id') => {
  const r = await api(gw, 'POST', path, { as: s.admin, body });
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as any)[key] as string | number;
};
const chat = { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] };
const storedResponse = async (extra: object = {}) => {
  const r = await gw.fetch('/v1/responses', { method: 'POST', headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock/echo', input: 'hi', ...extra }) });
  if (r.status !== 200) throw new Error(`POST /v1/responses: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
};
const poolKey = () => created('/api/providers/openai/keys', { key: `sk-${unique('pool-key')}-0123456789`, label: 'contract' });

/** A valid request of every documented operation (expected: its documented success status unless `status` says). */
const SAMPLES: Record<string, () => Call | Promise<Call>> = {
  'GET /health': () => ({ url: '/health', as: 'none' }),
  'GET /metrics': () => ({ url: '/metrics', as: { key: METRICS_TOKEN } }),
  'POST /v1/chat/completions': () => ({ url: '/v1/chat/completions', as: 'client', body: chat }),
  'POST /v1/responses': () => ({ url: '/v1/responses', as: 'client', body: { model: 'mock/echo', input: 'hi' } }),
  'POST /v1/responses/input_tokens': () => ({ url: '/v1/responses/input_tokens', as: 'client', body: { model: 'mock/echo', input: 'hi' } }),
  'POST /v1/responses/compact': () => ({ url: '/v1/responses/compact', as: 'client', body: { model: 'mock/echo', input: 'hi' } }),
  'GET /v1/responses/{id}': async () => ({ url: `/v1/responses/${await storedResponse()}`, as: 'client' }),
  'DELETE /v1/responses/{id}': async () => ({ url: `/v1/responses/${await storedResponse()}`, as: 'client' }),
  'GET /v1/responses/{id}/input_items': async () => ({ url: `/v1/responses/${await storedResponse()}/input_items`, as: 'client' }),
  'POST /v1/responses/{id}/cancel': async () => ({ url: `/v1/responses/${await storedResponse({ background: true })}/cancel`, as: 'client' }),
  'POST /v1/images/generations': () => ({ url: '/v1/images/generations', as: 'client', body: { model: 'dall-e-3', prompt: 'a fox' } }),
  'POST /v1/embeddings': () => ({ url: '/v1/embeddings', as: 'client', body: { model: 'mock/embed', input: 'hi' } }),
  'POST /v1/messages': () => ({ url: '/v1/messages', as: 'client', body: { ...chat, max_tokens: 16 } }),
  'POST /v1/messages/count_tokens': () => ({ url: '/v1/messages/count_tokens', as: 'client', body: chat }),
  // Anthropic's dialect, where the documented paging applies; OpenAI's list: VARIANTS.
  'GET /v1/models': () => ({ url: '/v1/models', as: 'client', headers: ANTHROPIC }),
  'GET /v1/models/{model}': () => ({ url: '/v1/models/gpt-4o', as: 'client' }),
  'POST /api/auth/login': () => ({ url: '/api/auth/login', as: 'none', body: { username: 'admin', password: ADMIN_PASSWORD } }),
  'POST /api/auth/logout': async () => ({ url: '/api/auth/logout', as: await login(gw, 'admin', ADMIN_PASSWORD) }),
  'GET /api/auth/me': () => ({ url: '/api/auth/me', as: 'admin' }),
  'POST /api/auth/change-password': async () => {
    const name = unique('pw');
    return { url: '/api/auth/change-password', as: await makeUser(gw, s.admin, name, 'viewer'), body: { current_password: `${name}-password-1`, new_password: 'a-brand-new-passphrase-42' } };
  },
  'GET /api/clients': () => ({ url: '/api/clients', as: 'admin' }),
  'POST /api/clients': () => ({ url: '/api/clients', as: 'admin', body: { name: unique('client') } }),
  'GET /api/clients/{id}': () => ({ url: `/api/clients/${gw.clientId}`, as: 'admin' }),
  'PATCH /api/clients/{id}': () => ({ url: `/api/clients/${gw.clientId}`, as: 'admin', body: { rpm: 1000 } }),
  'DELETE /api/clients/{id}': async () => ({ url: `/api/clients/${await created('/api/clients', { name: unique('client') })}`, as: 'admin' }),
  'GET /api/teams': () => ({ url: '/api/teams', as: 'admin' }),
  'POST /api/teams': () => ({ url: '/api/teams', as: 'admin', body: { name: unique('team') } }),
  'GET /api/teams/{id}': async () => ({ url: `/api/teams/${await created('/api/teams', { name: unique('team') })}`, as: 'admin' }),
  'PATCH /api/teams/{id}': async () => ({ url: `/api/teams/${await created('/api/teams', { name: unique('team') })}`, as: 'admin', body: { rpm: 10 } }),
  'DELETE /api/teams/{id}': async () => ({ url: `/api/teams/${await created('/api/teams', { name: unique('team') })}`, as: 'admin' }),
  'GET /api/users': () => ({ url: '/api/users', as: 'admin' }),
  'POST /api/users': () => ({ url: '/api/users', as: 'admin', body: { username: unique('user'), password: 'a-long-enough-passphrase', role: 'viewer' } }),
  'GET /api/users/{id}': () => ({ url: '/api/users/1', as: 'admin' }),
  'PATCH /api/users/{id}': async () => ({ url: `/api/users/${await created('/api/users', { username: unique('user'), password: 'a-long-enough-passphrase', role: 'viewer' })}`, as: 'admin', body: { role: 'admin' } }),
  'DELETE /api/users/{id}': async () => ({ url: `/api/users/${await created('/api/users', { username: unique('user'), password: 'a-long-enough-passphrase', role: 'viewer' })}`, as: 'admin' }),
  'GET /api/providers': () => ({ url: '/api/providers', as: 'admin' }),
  'GET /api/providers/{id}': () => ({ url: '/api/providers/openai', as: 'admin' }),
  'PATCH /api/providers/{id}': () => ({ url: '/api/providers/openai', as: 'admin', body: { enabled: true } }),
  'POST /api/providers/{id}/keys': () => ({ url: '/api/providers/openai/keys', as: 'admin', body: { key: `sk-${unique('pool-key')}-0123456789`, label: 'contract' } }),
  'PATCH /api/providers/{id}/keys/{key_id}': async () => ({ url: `/api/providers/openai/keys/${await poolKey()}`, as: 'admin', body: { weight: 2 } }),
  'DELETE /api/providers/{id}/keys/{key_id}': async () => ({ url: `/api/providers/openai/keys/${await poolKey()}`, as: 'admin' }),
  'POST /api/providers/{id}/test': () => ({ url: '/api/providers/openai/test', as: 'admin' }),
  'GET /api/models': () => ({ url: '/api/models', as: 'admin' }),
  'POST /api/models': () => ({ url: '/api/models', as: 'admin', body: { id: unique('model'), provider: 'openai', input_price: 1, output_price: 2 } }),
  'GET /api/models/{id}': () => ({ url: '/api/models/gpt-4o', as: 'admin' }),
  'PATCH /api/models/{id}': () => ({ url: '/api/models/gpt-4o', as: 'admin', body: { enabled: true } }),
  'DELETE /api/models/{id}': async () => ({ url: `/api/models/${await created('/api/models', { id: unique('model'), provider: 'openai', input_price: 1, output_price: 2 })}`, as: 'admin' }),
  'GET /api/groups': () => ({ url: '/api/groups', as: 'admin' }),
  'POST /api/groups': () => ({ url: '/api/groups', as: 'admin', body: { name: unique('group'), strategy: 'heuristic', targets: ['gpt-4o'] } }),
  'POST /api/groups/try': () => ({ url: '/api/groups/try', as: 'admin', body: { model: 'fast-flow', prompt: 'hi' } }),
  'GET /api/groups/{name}': () => ({ url: '/api/groups/fast-flow', as: 'admin' }),
  'PUT /api/groups/{name}': async () => ({ url: `/api/groups/${await created('/api/groups', { name: unique('group'), strategy: 'heuristic', targets: ['gpt-4o'] }, 'name')}`, as: 'admin', body: { strategy: 'heuristic', targets: ['gpt-4o-mini'] } }),
  'DELETE /api/groups/{name}': async () => ({ url: `/api/groups/${await created('/api/groups', { name: unique('group'), strategy: 'heuristic', targets: ['gpt-4o'] }, 'name')}`, as: 'admin' }),
  'GET /api/logs': () => ({ url: '/api/logs', as: 'admin' }),
  'GET /api/usage/summary': () => ({ url: '/api/usage/summary', as: 'admin' }),
  'GET /api/usage/timeseries': () => ({ url: '/api/usage/timeseries', as: 'admin' }),
  'GET /api/usage/breakdown': () => ({ url: '/api/usage/breakdown', as: 'admin' }),
  // A plain GET, signed in: the WebSocket's own test is test/admin/openapi-monitor-ws.test.ts.
  'GET /api/monitor/ws': () => ({ url: '/api/monitor/ws', as: 'admin', status: 426 }),
};

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
/** A client key allowing one request a minute, its one request spent: the next is refused (429). */
const spentKey = async () => {
  const r = (await (await api(gw, 'POST', '/api/clients', { as: s.admin, body: { name: unique('rpm'), rpm: 1 } })).json()) as { key: string };
  await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${r.key}`, 'content-type': 'application/json' }, body: JSON.stringify(chat) });
  return { key: r.key };
};
/** More requests of some operations, each with the status it must get (answers checked against the document too). */
const VARIANTS: Record<string, (() => Call | Promise<Call>)[]> = {
  'GET /metrics': [() => ({ url: '/metrics', as: 'none', status: 401 })],
  'POST /v1/chat/completions': [
    () => ({ url: '/v1/chat/completions', as: 'client', body: { ...chat, stream: true }, status: 200 }),
    () => ({ url: '/v1/chat/completions', as: 'client', body: { ...chat, model: 'no-such-model' }, status: 404 }),
    async () => ({ url: '/v1/chat/completions', as: await spentKey(), body: chat, status: 429, sends: ['retry-after', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'] }),
  ],
  'POST /v1/responses': [() => ({ url: '/v1/responses', as: 'client', body: { model: 'mock/echo', input: 'hi', stream: true }, status: 200 })],
  'GET /v1/responses/{id}': [async () => ({ url: `/v1/responses/${await storedResponse({ background: true })}?stream=true&starting_after=0`, as: 'client', status: 200 })],
  'POST /v1/embeddings': [() => ({ url: '/v1/embeddings', as: 'client', body: { model: 'mock/embed', input: ['a', 'b'], encoding_format: 'base64' }, status: 200 })],
  'POST /v1/messages': [
    () => ({ url: '/v1/messages', as: 'client', body: { ...chat, max_tokens: 16, stream: true }, status: 200 }),
    () => ({ url: '/v1/messages', as: 'none', headers: { 'x-api-key': gw.clientKey, ...ANTHROPIC }, body: { ...chat, max_tokens: 16 }, status: 200 }),
    () => ({ url: '/v1/messages', as: 'client', body: { ...chat, model: 'no-such-model', max_tokens: 16 }, status: 404 }),
    async () => ({ url: '/v1/messages', as: await spentKey(), body: { ...chat, max_tokens: 16 }, status: 429, sends: ['retry-after', 'x-ratelimit-remaining-requests'] }),
  ],
  'GET /v1/models': [
    () => ({ url: '/v1/models', as: 'client', status: 200 }),
    () => ({ url: '/v1/models', as: 'none', headers: { 'x-api-key': gw.clientKey, ...ANTHROPIC }, status: 200 }),
    () => ({ url: '/v1/models', as: 'none', headers: ANTHROPIC, status: 401 }),
  ],
  'GET /v1/models/{model}': [
    () => ({ url: '/v1/models/gpt-4o', as: 'client', headers: ANTHROPIC, status: 200 }),
    () => ({ url: '/v1/models/no-such-model', as: 'client', headers: ANTHROPIC, status: 404 }),
  ],
};

/** The id of the first input item of the response `c` reads. */
const firstItem = async (c: Call) => ((await (await fetch(`${gw.url}${c.url}`, { headers: headersOf(c) })).json()) as { data: { id: string }[] }).data[0]!.id;
/** A good value of each documented query parameter (by name, or `METHOD path name`), and those that take any text. */
const GOOD_QUERY: Record<string, string | ((c: Call) => Promise<string>)> = {
  limit: '1', before_id: '999', after_id: '1', from: '2026-01-01', to: '2099-01-01', client_id: '1', team: '1', team_id: '1', provider: 'openai', model: 'gpt-4o',
  status: '200', endpoint: 'chat', request_id: 'req-x', bucket: 'day', by: 'model', order: 'asc', after: firstItem, before: firstItem,
  stream: 'false', starting_after: '0', beta: 'true', 'GET /v1/models after_id': 'gpt-4o', 'GET /v1/models before_id': 'gpt-4o',
};
const FREE_TEXT = new Set(['provider', 'model', 'request_id', 'beta']);
/** Of those, the ones an operation checks all the same (`METHOD path name`): the models table's providers are a fixed list. */
const CHECKED_TEXT = new Set(['GET /api/models provider']);

const headersOf = (c: Call): Record<string, string> => {
  const h: Record<string, string> = { ...c.headers };
  if (c.body !== undefined || c.raw !== undefined) h['content-type'] = 'application/json';
  const who = c.as;
  if (who === 'client') h.authorization = `Bearer ${gw.clientKey}`;
  else if (typeof who === 'object' && 'key' in who) h.authorization = `Bearer ${who.key}`;
  else if (who !== 'none') h.authorization = `Bearer ${(typeof who === 'string' ? s[who] : who).token}`;
  return h;
};

let driven = 0;
/** Sends `c` for `op`, checks the answer against the document, and returns its status and body. */
async function drive(op: string, c: Call, out: string[], why: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gw.url}${c.url}`, { method: op.split(' ')[0], headers: headersOf(c), body: c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body)) });
  const body = await res.text();
  driven++;
  for (const p of contract.problems(op, res, body)) out.push(`${why}: ${p}`);
  const [method, path] = op.split(' ') as [string, string];
  const documented = doc.paths[path]?.[method.toLowerCase()]?.responses?.[res.status]?.headers ?? {};
  for (const name of c.sends ?? []) if (!res.headers.has(name) || !(name in documented)) out.push(`${why}: header ${name} ${res.headers.has(name) ? 'not documented' : 'missing'}`);
  return { status: res.status, body };
}

const expectStatus = (out: string[], why: string, got: { status: number; body: string }, want: number | ((s: number) => boolean)) => {
  if (typeof want === 'number' ? got.status !== want : !want(got.status)) out.push(`${why}: answered ${got.status}, wanted ${want}: ${got.body.slice(0, 200)}`);
};
/** The parameter an error names: OpenAI's `param`; Anthropic's shape has none (`*`: any). */
const errorParam = (body: string) => {
  try {
    const { type, error } = JSON.parse(body) as { type?: string; error?: { param?: string; message?: string } };
    return type === 'error' ? '*' : error?.param;
  } catch {
    return undefined;
  }
};

test('every documented operation answers as documented, to valid and invalid requests', async () => {
  const ops = operations(doc);
  expect(ops.length).toBeGreaterThan(50);
  const out: string[] = [];
  // Deletes last: they may end what other operations read.
  for (const [op, operation] of [...ops].sort(([a], [b]) => Number(a.startsWith('DELETE')) - Number(b.startsWith('DELETE')))) {
    const sample = SAMPLES[op];
    if (!sample) { out.push(`${op}: no sample request in SAMPLES`); continue; }
    const [method, path] = op.split(' ') as [string, string];
    const call = await sample();
    const success = call.status ?? Number(Object.keys(operation.responses).find((st) => /^(2\d\d|101)$/.test(st)));
    const secured = (operation.security ?? []).length > 0 && !operation.security.some((r: object) => !Object.keys(r).length);
    if (secured) expectStatus(out, `${op} without credentials`, await drive(op, { ...call, as: 'none' }, out, `${op} without credentials`), 401);
    if (path.startsWith('/api/') && !path.startsWith('/api/auth/') && call.as === 'admin') {
      const adminOnly = method !== 'GET' || path.startsWith('/api/users');
      const why = `${op} as a viewer`;
      expectStatus(out, why, await drive(op, { ...call, as: 'viewer' }, out, why), adminOnly ? 403 : success);
    }
    // The dashboard's session cookie works wherever a bearer session does: the document must say so.
    if (method === 'GET' && path.startsWith('/api/') && call.as === 'admin') {
      const why = `${op} with the session cookie`;
      expectStatus(out, why, await drive(op, { ...call, as: 'none', headers: { cookie: s.admin.cookie } }, out, why), success);
      if (!operation.security?.some((r: object) => 'sessionCookie' in r)) out.push(`${op}: takes the session cookie, its security does not list sessionCookie`);
    }
    if (operation.requestBody && call.body !== undefined) {
      out.push(...contract.bodyProblems(op, call.body));
      const schema = operation.requestBody.content['application/json'].schema;
      // What the document requires, the route requires; what it closes, the route refuses.
      for (const field of schema.required ?? []) {
        const fresh = await sample();
        const why = `${op} without required ${field}`;
        expectStatus(out, why, await drive(op, { ...fresh, body: { ...(fresh.body as object), [field]: undefined } }, out, why), 400);
      }
      // Each field given a value its documented schema refuses: the route refuses it too.
      for (const [field, fs] of Object.entries<any>(schema.properties ?? {})) {
        const bad = outside(fs);
        if (bad === undefined) continue;
        const fresh = await sample();
        const why = `${op} with ${field}: ${JSON.stringify(bad).slice(0, 40)}`;
        expectStatus(out, why, await drive(op, { ...fresh, body: { ...(fresh.body as object), [field]: bad } }, out, why), 400);
      }
      if (schema.additionalProperties === false) {
        const fresh = await sample();
        const why = `${op} with an undocumented field`;
        expectStatus(out, why, await drive(op, { ...fresh, body: { ...(fresh.body as object), zz_undocumented: 1 } }, out, why), 400);
      }
    }
    // Each other media type the document offers for the body is taken too.
    for (const type of Object.keys(operation.requestBody?.content ?? {}).filter((t) => t !== 'application/json')) {
      const fresh = await sample();
      const why = `${op} as ${type}`;
      const form = new URLSearchParams(Object.entries(fresh.body as object).map(([k, v]) => [k, String(v)]));
      const res = await fetch(`${gw.url}${fresh.url}`, { method, headers: { ...headersOf({ ...fresh, body: undefined }), 'content-type': type }, body: type === 'multipart/form-data' ? (() => { const f = new FormData(); for (const [k, v] of form) f.append(k, v); return f; })() : form });
      if (res.status !== success) out.push(`${why}: answered ${res.status}, wanted ${success}: ${(await res.text()).slice(0, 160)}`);
    }
    if (operation.requestBody) {
      for (const raw of ['{"model": ', '[1]', OVER_MAX_BODY]) {
        const why = `${op} with body ${raw}`;
        expectStatus(out, why.slice(0, 60), await drive(op, { ...call, raw, body: undefined }, out, why.slice(0, 60)), raw === OVER_MAX_BODY ? 413 : 400);
      }
    }
    if (path.includes('{')) {
      const url = path.replace(/\{[^}]+\}/g, '999999') + (call.url.includes('?') ? call.url.slice(call.url.indexOf('?')) : '');
      const why = `${op} for an id that does not exist`;
      if (!call.status) expectStatus(out, why, await drive(op, { ...call, url }, out, why), 404);
      // An id that is not one (a number route given text): a 400 or 404, and the document lists it.
      const odd = `${op} for the id zz-not-an-id`;
      if (!call.status) expectStatus(out, odd, await drive(op, { ...call, url: url.replace(/999999/g, 'zz-not-an-id') }, out, odd), (st) => st === 400 || st === 404);
    }
    for (const p of (operation.parameters ?? []).filter((p: any) => p.in === 'query')) {
      const value = GOOD_QUERY[`${op} ${p.name}`] ?? GOOD_QUERY[p.name];
      const good = typeof value === 'function' ? await value(call) : value;
      if (good === undefined) { out.push(`${op}: no good value for query parameter ${p.name} in GOOD_QUERY`); continue; }
      const sep = call.url.includes('?') ? '&' : '?';
      const fresh = method === 'GET' ? call : await sample();
      let why = `${op} ?${p.name}=${good}`;
      expectStatus(out, why, await drive(op, { ...fresh, url: `${fresh.url}${sep}${p.name}=${good}` }, out, why), success);
      why = `${op} ?${p.name}=zz-not-valid`;
      const bad = await drive(op, { ...(method === 'GET' ? call : await sample()), url: `${call.url}${sep}${p.name}=zz-not-valid` }, out, why);
      if (FREE_TEXT.has(p.name) && !CHECKED_TEXT.has(`${op} ${p.name}`)) expectStatus(out, why, bad, success);
      else if (bad.status !== 400 || ![p.name, '*'].includes(errorParam(bad.body) ?? '')) out.push(`${why}: the route ignores it (answered ${bad.status}, param ${errorParam(bad.body)}), wanted 400 naming it`);
    }
    for (const variant of VARIANTS[op] ?? []) {
      const v = await variant();
      const why = `${op} ${JSON.stringify({ ...v, as: undefined }).slice(0, 120)}`;
      expectStatus(out, why, await drive(op, v, out, why), v.status!);
    }
    const why = `${op} valid`;
    expectStatus(out, why, await drive(op, call, out, why), success);
  }
  expect(out).toEqual([]);
  expect(driven).toBeGreaterThan(ops.length * 4);
}, 60_000);

test('the document is one a client generator takes: unique operationIds, every path parameter declared, known tags and security schemes', () => {
  const ops = operations(doc);
  const ids = ops.map(([, op]) => op.operationId);
  const schemes = new Set(Object.keys((doc as any).components?.securitySchemes ?? {}));
  const tags = new Set(((doc as any).tags ?? []).map((t: { name: string }) => t.name));
  const wrong: string[] = [];
  for (const [op, o] of ops) {
    if (!o.operationId || ids.indexOf(o.operationId) !== ids.lastIndexOf(o.operationId)) wrong.push(`${op}: operationId ${o.operationId}`);
    for (const name of op.match(/\{(\w+)\}/g) ?? []) if (!o.parameters?.some((p: any) => p.in === 'path' && `{${p.name}}` === name)) wrong.push(`${op}: path parameter ${name} not declared`);
    for (const t of o.tags ?? []) if (!tags.has(t)) wrong.push(`${op}: tag ${t} not in the document's tags`);
    for (const r of o.security ?? []) for (const k of Object.keys(r)) if (!schemes.has(k)) wrong.push(`${op}: security scheme ${k} not defined`);
  }
  expect(wrong).toEqual([]);
});

test('every served /api, /v1, /health and /metrics route is documented', () => {
  const served = servedOperations(gw.ctx).filter((op) => /^\w+ \/(api\/|v1\/|health$|metrics$)/.test(op) && !op.startsWith('OPTIONS '));
  const documented = new Set(operations(doc).map(([op]) => op));
  expect(served.length).toBeGreaterThan(50);
  expect([...new Set(served)].filter((op) => !documented.has(op))).toEqual([]);
});

// The shared spec beside the repository (/work/shared); a checkout without it skips this.
const INTERFACE = `${import.meta.dir}/../../../shared/INTERFACE.md`;
const OP = /`((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) (\/(?:v1|api)\/[\w/{}.-]*|\/health|\/metrics)(\?[^`]*)?`/g;
test.skipIf(!existsSync(INTERFACE))('every route, query parameter and body or answer field INTERFACE.md names is in the document', async () => {
  const text = await Bun.file(INTERFACE).text();
  expect(text).toContain('## HTTP');
  const missing: string[] = [];
  let seen = 0;
  let fields = 0;
  // One bullet of the spec at a time (with its continuation lines): the `{...}` after a route, up to the next, are its body and answer.
  for (const item of text.split(/\n(?=\s*- )/)) {
    const ops = [...item.matchAll(OP)];
    for (const [i, m] of ops.entries()) {
      const [, methods, path, query] = m as unknown as [string, string, string, string | undefined];
      for (const method of methods.split('|')) {
        seen++;
        const op = doc.paths[path]?.[method.toLowerCase()];
        if (!op) { missing.push(`${method} ${path}`); continue; }
        for (const [name] of new URLSearchParams(query ?? '')) if (!op.parameters?.some((p: any) => p.in === 'query' && p.name === name)) missing.push(`${method} ${path}?${name}`);
        if (methods.includes('|')) continue;
        const rest = item.slice(m.index! + m[0].length, ops[i + 1]?.index);
        const [before, after] = rest.includes('->') ? rest.split('->', 2) as [string, string] : method === 'POST' ? [rest, ''] : ['', rest];
        const request = /`(\{[^`]*\})`/.exec(before)?.[1];
        const answer = /`(\{[^`]*\})`/.exec(after)?.[1];
        const ok = Object.entries<any>(op.responses ?? {}).find(([st]) => st.startsWith('2'))?.[1];
        const sides: [string | undefined, unknown, string][] = [[request, op.requestBody, 'body'], [answer, ok, 'answer']];
        for (const [braces, schema, side] of sides) {
          const documented = namesIn(schema);
          for (const name of braces ? namesOf(braces) : []) (fields++, documented.has(name) || missing.push(`${method} ${path} ${side} field ${name}`));
        }
      }
    }
  }
  expect(seen).toBeGreaterThan(20);
  expect(fields).toBeGreaterThan(40);
  expect(missing).toEqual([]);
});
