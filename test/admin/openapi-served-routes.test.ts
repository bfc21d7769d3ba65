/**
 * /swagger/json the other way round from test/admin/openapi-document.test.ts: every operation it
 * documents is one the gateway serves (a stale entry sends readers to a 404), an /api route
 * that takes a JSON body documents that body exactly when it validates one, and every field a
 * live answer carries is in its documented schema with that type (a client generated from the
 * document would otherwise drop or mistype it).
 */
import { expect, test } from 'bun:test';
import { createApp } from '../../src/app';
import { v1Routes } from '../../src/api/v1-routes';
import { ADMIN_PASSWORD, api, apiLogRow, login } from '../helpers/admin-harness';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g), { storeLogs: true, env: { OPENAI_API_KEY: 'sk-env-key-for-the-pool' } });

/** OpenAPI's `{param}` form of a router path; `/v1/models/*` is documented as `/v1/models/{model}`. */
const openapiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{model}');

async function documentedOperations(): Promise<Map<string, any>> {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as { paths: Record<string, Record<string, any>> };
  const ops = new Map<string, any>();
  for (const [path, methods] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(methods)) ops.set(`${m.toUpperCase()} ${path}`, op);
  return ops;
}

test('every operation in /swagger/json is a route the gateway serves', async () => {
  const served = new Set([
    ...createApp(gw.ctx).routes.map((r) => `${r.method === 'WS' ? 'GET' : r.method} ${openapiPath(r.path)}`),
    ...Object.entries(v1Routes(gw.ctx)).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${openapiPath(path)}`)),
  ]);
  const ops = await documentedOperations();
  expect(ops.size).toBeGreaterThan(50);
  expect([...ops.keys()].filter((op) => !served.has(op)).sort()).toEqual([]);
});

test('an /api route documents a request body exactly when it validates one', async () => {
  const ops = await documentedOperations();
  const mismatched = createApp(gw.ctx)
    .routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'WS')
    .map((r) => ({ op: `${r.method} ${openapiPath(r.path)}`, validates: Boolean((r.hooks as { body?: unknown } | undefined)?.body) }))
    .filter(({ op, validates }) => validates !== Boolean(ops.get(op)?.requestBody?.content?.['application/json']?.schema));
  expect(mismatched).toEqual([]);
  // The check sees bodies at all (a refactor that hides them from it fails here).
  expect(ops.get('POST /api/clients')?.requestBody).toBeDefined();
});

type Schema = Record<string, any>;
const typeOk: Record<string, (v: unknown) => boolean> = {
  integer: Number.isInteger, number: (v) => typeof v === 'number', string: (v) => typeof v === 'string', boolean: (v) => typeof v === 'boolean',
  array: Array.isArray, object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v), null: (v) => v === null,
};
const fits = (s: Schema, v: unknown): boolean => (s.anyOf ? s.anyOf.some((a: Schema) => fits(a, v)) : (!s.type || typeOk[s.type]!(v)) && (!s.enum || s.enum.includes(v)));

/** Where `value` leaves `schema`: a field it does not list (in an object that lists its fields) or a value of another type. */
function outside(schema: Schema, value: unknown, at: string, out: string[]): void {
  const s = schema.anyOf?.find((a: Schema) => fits(a, value)) ?? schema;
  if (!fits(s, value)) return void out.push(`${at}: ${JSON.stringify(value)?.slice(0, 40)} is not ${JSON.stringify(s)}`);
  if (Array.isArray(value)) return void (s.items && value.forEach((v, i) => outside(s.items, v, `${at}[${i}]`, out)));
  if (typeof value !== 'object' || value === null || !s.properties) return;
  for (const [k, v] of Object.entries(value)) {
    const sub = s.properties[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (sub) outside(sub, v, `${at}.${k}`, out);
    else if (s.additionalProperties !== true) out.push(`${at}.${k}: not documented`);
  }
}

test('every field of the live answers is in the documented schema, with its type', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as { paths: Record<string, Record<string, any>> };
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  // Something in every list: a log row, a team, a key added to a provider's pool (beside the environment's).
  const refused = await gw.fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await apiLogRow(gw, admin, refused.headers.get('x-request-id')!);
  expect((await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'served-routes' } })).status).toBe(201);
  expect((await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-pool-key-served-routes', label: 'b' } })).status).toBe(201);
  // A provider whose connection test gets a model list (OpenAI's shape) from a fake upstream.
  await using upstream = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: 1, owned_by: 'openai' }] }) });
  expect((await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url: `http://127.0.0.1:${upstream.port}/v1` } })).status).toBe(200);
  const calls: [string, string, string][] = [
    ['get', '/health', '/health'], ['get', '/api/auth/me', '/api/auth/me'],
    ['get', '/api/clients', '/api/clients'], ['get', '/api/clients/{id}', '/api/clients/1'],
    ['get', '/api/users', '/api/users'], ['get', '/api/users/{id}', '/api/users/1'], ['get', '/api/teams', '/api/teams'],
    ['get', '/api/providers', '/api/providers'], ['get', '/api/providers/{id}', '/api/providers/openai'],
    ['get', '/api/models', '/api/models'], ['get', '/api/models/{id}', '/api/models/gpt-4o'],
    ['get', '/api/groups', '/api/groups'], ['get', '/api/groups/{name}', '/api/groups/fast-flow'],
    ['get', '/api/logs', '/api/logs'], ['get', '/api/usage/summary', '/api/usage/summary'],
    ['get', '/api/usage/timeseries', '/api/usage/timeseries'], ['get', '/api/usage/breakdown', '/api/usage/breakdown'],
    ['post', '/api/providers/{id}/test', '/api/providers/openai/test'],
  ];
  const out: string[] = [];
  for (const [method, path, url] of calls) {
    const res = await api(gw, method.toUpperCase(), url, { as: admin });
    const [, answer] = Object.entries(doc.paths[path]?.[method]?.responses ?? {}).find(([status]) => Number(status) === res.status) ?? [];
    const schema = (answer as any)?.content?.['application/json']?.schema;
    if (!schema) out.push(`${method} ${url}: ${res.status} not documented`);
    else outside(schema, await res.json(), `${method} ${url}`, out);
  }
  expect(out).toEqual([]);
});
