/**
 * /swagger/json documents the whole admin API (INTERFACE.md: "Admin JSON API under /api,
 * documented in the OpenAPI document"): every /api route of the app's own table, and /health and
 * /metrics, has an operation with a summary; a WebSocket route as the GET that upgrades it (its details:
 * test/admin/openapi-monitor-ws.test.ts). The /v1 routes: test/chat/v1-routes.test.ts.
 */
import { expect, test } from 'bun:test';
import { ADMIN_PASSWORD, api, appRoutes, login } from '../helpers/admin-harness';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g));

test('every /api route, /health and /metrics has an operation with a summary in /swagger/json', async () => {
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
