/**
 * /swagger/json documents the whole admin API (INTERFACE.md: "Admin JSON API under /api,
 * documented in the OpenAPI document"): every /api route of the app's own table, and /health and
 * /metrics, has an operation with a summary; a WebSocket route as the GET that upgrades it (its details:
 * test/admin/openapi-monitor-ws.test.ts). The /v1 routes: test/chat/v1-routes.test.ts.
 */
import { expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, apiLogRow, appRoutes, login } from '../helpers/admin-harness';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g), { storeLogs: true });

test('every /api route, /health and /metrics has an operation with a summary and its answer in /swagger/json', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  const routes = appRoutes(gw)
    .filter((r) => r.path.startsWith('/api/') || r.path === '/health' || r.path === '/metrics')
    .map((r) => (r.method === 'WS' ? { ...r, method: 'GET' } : r));
  expect(routes).toContainEqual({ method: 'GET', path: '/api/monitor/ws' });
  expect(routes.length).toBeGreaterThan(30);
  const undocumented = routes
    .filter((r) => typeof doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()]?.summary !== 'string')
    .map((r) => `${r.method} ${r.path}`);
  expect(undocumented).toEqual([]);
  // Each says what it answers: a success status (101 for the WebSocket) with its content.
  const noAnswer = routes
    .filter((r) => {
      const responses = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()]?.responses ?? {};
      return !Object.entries(responses).some(([status, a]: [string, any]) => /^(2\d\d|101)$/.test(status) && a.content);
    })
    .map((r) => `${r.method} ${r.path}`);
  expect(noAnswer).toEqual([]);
  expect(doc.info.description).toContain('GET /api/monitor/ws');
});

test("POST /api/users states the password rule the gateway enforces (the policy's own minimum)", async () => {
  const { MIN_PASSWORD_LENGTH } = await import('../../src/security/password-policy');
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  const description: string = doc.paths['/api/users'].post.description;
  expect(description).toContain(`at least ${MIN_PASSWORD_LENGTH} characters`);
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const res = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'short-pw', password: 'Zq7-'.repeat(4).slice(0, MIN_PASSWORD_LENGTH - 1), role: 'viewer' } });
  expect(res.status).toBe(400);
  expect(((await res.json()) as any).error.code).toBe('weak_password');
});

test("the fixed admin routes and /health document their answer, and the live answer has every field the document calls required", async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  // One log row, stored, for /api/logs to show.
  const refused = await gw.fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await apiLogRow(gw, admin, refused.headers.get('x-request-id')!);
  const calls: [string, string, string, unknown?][] = [
    ['post', '/api/clients', '/api/clients', { name: 'openapi-doc' }],
    ['post', '/api/users', '/api/users', { username: 'openapi-doc', password: 'a-long-enough-passphrase', role: 'viewer' }],
    ['get', '/api/logs', '/api/logs?limit=1'],
    ['get', '/api/usage/summary', '/api/usage/summary'],
    ['get', '/api/models/{id}', '/api/models/gpt-4o'],
    ['post', '/api/groups', '/api/groups', { name: 'openapi-doc', strategy: 'heuristic', targets: ['gpt-4o'] }],
    ['post', '/api/teams', '/api/teams', { name: 'openapi-doc' }],
    ['get', '/api/providers/{id}', '/api/providers/openai'],
    ['get', '/health', '/health'],
  ];
  const missing: string[] = [];
  const check = (label: string, schema: any, value: any) => {
    if (!schema) return void missing.push(`${label}: no schema`);
    for (const f of schema.required ?? []) if (!(f in value)) missing.push(`${label}: ${f}`);
  };
  for (const [method, docPath, url, body] of calls) {
    const op = doc.paths[docPath]?.[method];
    const [status, answer] = Object.entries(op?.responses ?? {}).find(([s]) => s.startsWith('2')) ?? [];
    const res = await api(gw, method.toUpperCase(), url, { as: admin, body });
    expect({ url, status: res.status }).toEqual({ url, status: Number(status) });
    const value = (await res.json()) as any;
    const schema = (answer as any)?.content?.['application/json']?.schema;
    check(`${method} ${url}`, schema, value);
    if (schema?.properties?.data?.items) check(`${method} ${url} data[0]`, schema.properties.data.items, value.data[0]);
  }
  // Sign-in, as README shows it.
  const login200 = doc.paths['/api/auth/login'].post.responses['200'].content['application/json'].schema;
  expect(login200.required).toEqual(expect.arrayContaining(['token', 'must_change_password']));
  expect(missing).toEqual([]);
});

test('every /api and /v1 operation of /swagger/json is named in the README with its method (`GET|PATCH /api/x/{id}`)', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  const readme = await Bun.file(`${import.meta.dir}/../../README.md`).text();
  const named = new Set<string>();
  const form = /\b((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) `?(\/(?:api|v1)\/[^\s`?),;[]*)(\[\/\{id\}\])?/g;
  for (const [, methods, path, idTail] of readme.matchAll(form)) {
    for (const m of methods!.split('|')) named.add(`${m} ${path}`).add(idTail ? `${m} ${path}/{id}` : `${m} ${path}`);
  }
  const operations = Object.entries(doc.paths as Record<string, object>)
    .filter(([p]) => p.startsWith('/api/') || p.startsWith('/v1/'))
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  expect(operations.length).toBeGreaterThan(40);
  expect(operations.filter((o) => !named.has(o))).toEqual([]);
});
