/**
 * An /api route that takes a JSON object, sent no body or the JSON `null`: a 400 whose message says
 * so in the words /v1 uses, not Elysia's bare "Expected object" (what `null` got while `[]` and `1`
 * were told "The request body must be a JSON object."). Over real HTTP, signed in as an admin.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { json, useAdminGateway, type Session } from '../helpers/admin-harness';

// Signs in (password hashing): seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const ROUTES = [['POST', '/api/clients'], ['POST', '/api/teams'], ['POST', '/api/groups'], ['POST', '/api/users'], ['PATCH', '/api/clients/1'], ['POST', '/api/auth/login']] as const;

const send = (method: string, path: string, body: string, session: Session | null) =>
  fetch(`${gw.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) },
    body,
  });

describe('an /api body that is missing or null', () => {
  test('a client to PATCH exists', async () => {
    const r = await send('POST', '/api/clients', JSON.stringify({ name: 'missing-body' }), admin);
    expect(r.status).toBe(201);
  });
  for (const [method, path] of ROUTES) {
    const session = () => (path === '/api/auth/login' ? null : admin);
    test(`${method} ${path} with no body: 400 saying the body is empty`, async () => {
      const r = await send(method, path, '', session());
      expect(r.status).toBe(400);
      expect((await json(r)).error).toEqual({ message: 'The request body is empty; send a JSON object.', type: 'invalid_request_error', param: null, code: 'invalid_json' });
    });
    test(`${method} ${path} with null: 400 saying it must be a JSON object`, async () => {
      const r = await send(method, path, 'null', session());
      expect(r.status).toBe(400);
      expect((await json(r)).error).toEqual({ message: 'The request body must be a JSON object.', type: 'invalid_request_error', param: null, code: 'invalid_request' });
    });
  }
});
