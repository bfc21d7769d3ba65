/**
 * GET /api/monitor/ws in /swagger/json: an operation describing the upgrade (101), its two ways to
 * sign in (the session cookie, a bearer token) and its refusals, and the messages' schema, which
 * a real socket's messages are checked against (so the document cannot drift from the wire).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { ADMIN_PASSWORD, login, startAdminGateway } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let gw: TestGateway;
let doc: any;
beforeAll(async () => {
  gw = await startAdminGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  doc = await (await fetch(`${gw.url}/swagger/json`)).json();
});
afterAll(() => gw.close());

/** The schema a $ref names in the document. */
const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] : s);

/** The places `value` breaks `schema` (the JSON Schema this document uses: type, const, enum, required, properties, oneOf). */
function violations(value: any, schema: any, at = '$'): string[] {
  schema = resolve(schema);
  if (schema.oneOf) {
    const fits = schema.oneOf.filter((s: any) => violations(value, s, at).length === 0);
    return fits.length === 1 ? [] : [`${at}: fits ${fits.length} of oneOf`];
  }
  const out: string[] = [];
  if ('const' in schema && value !== schema.const) out.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (schema.type) {
    const types: string[] = [schema.type].flat();
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) out.push(`${at}: ${actual} is not ${types.join('|')}`);
  }
  if (value && typeof value === 'object' && schema.properties) {
    for (const k of schema.required ?? []) if (!(k in value)) out.push(`${at}.${k}: missing`);
    for (const [k, v] of Object.entries(value)) {
      if (!schema.properties[k]) out.push(`${at}.${k}: not in the schema`);
      else out.push(...violations(v, schema.properties[k], `${at}.${k}`));
    }
  }
  return out;
}

test('the monitor WebSocket is an operation: a GET answered 101, cookie or bearer, its refusals', () => {
  const op = doc.paths['/api/monitor/ws']?.get;
  expect(op).toBeDefined();
  expect(typeof op.summary).toBe('string');
  expect(op.tags).toEqual(['Admin']);
  expect(Object.keys(op.responses).sort()).toEqual(['101', '401', '403', '426', '429']);
  expect(resolve(op.responses['101'].content['application/json'].schema).oneOf).toHaveLength(2);
  expect(op.parameters.find((p: any) => p.name === 'Upgrade')).toMatchObject({ in: 'header', required: true, schema: { const: 'websocket' } });
  // Either way of signing in will do (each security requirement is an alternative).
  expect(op.security).toEqual([{ sessionCookie: [] }, { session: [] }]);
  expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'gg_session' });
  expect(doc.components.securitySchemes.session).toMatchObject({ type: 'http', scheme: 'bearer' });
  // No path carries a method OpenAPI does not have (Elysia's generator would write `ws`).
  const methods = new Set(Object.values(doc.paths).flatMap((item: any) => Object.keys(item)));
  expect([...methods].filter((m) => !['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'parameters', 'summary', 'description', 'servers'].includes(m))).toEqual([]);
});

test('what a socket opened with a bearer token receives fits the documented message schema', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { authorization: `Bearer ${admin.token}` } } as any);
  const messages: any[] = [];
  ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  await new Promise<void>((res, rej) => {
    ws.onopen = () => res();
    ws.onclose = (e) => rej(new Error(`closed ${e.code}`));
  });
  const { response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const requestId = response.headers.get('x-request-id');
  for (let i = 0; i < 600 && !messages.some((m) => m.data?.request_id === requestId); i++) await Bun.sleep(25);
  ws.close();
  const request = messages.find((m) => m.data?.request_id === requestId);
  expect(messages[0].type).toBe('hello');
  expect(request).toBeDefined();
  const schema = doc.paths['/api/monitor/ws'].get.responses['101'].content['application/json'].schema;
  expect(violations(messages[0], schema)).toEqual([]);
  expect(violations(request, schema)).toEqual([]);
  // The check itself bites: a field the schema does not list, or a wrong type, is caught.
  expect(violations({ ...request, data: { ...request.data, body: 'x' } }, schema)).not.toEqual([]);
  expect(violations({ ...request, data: { ...request.data, status: '200' } }, schema)).not.toEqual([]);
});

test('a plain GET (Swagger UI\'s "Try it out") is told to upgrade, as documented, not 404', async () => {
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const r = await fetch(`${gw.url}/api/monitor/ws`, { headers: { authorization: `Bearer ${admin.token}` } });
  expect(r.status).toBe(426);
  expect(r.headers.get('upgrade')).toBe('websocket');
  expect(((await r.json()) as any).error).toMatchObject({ code: 'upgrade_required', message: expect.stringContaining('WebSocket') });
  // Without a session it is the 401 of every /api route.
  expect((await fetch(`${gw.url}/api/monitor/ws`)).status).toBe(401);
});
