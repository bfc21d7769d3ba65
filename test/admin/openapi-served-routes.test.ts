/**
 * /swagger/json the other way round from test/admin/openapi-document.test.ts: every operation it
 * documents is one the gateway serves (a stale entry sends readers to a 404), and an /api route
 * that takes a JSON body documents that body exactly when it validates one.
 */
import { expect, test } from 'bun:test';
import { createApp } from '../../src/app';
import { v1Routes } from '../../src/api/v1-routes';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g));

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
