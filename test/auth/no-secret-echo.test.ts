import { expect, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, login, useAdminGateway, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const SECRET = 'hunter2-sk-SECRET-value-0123456789';

test('error bodies never echo a submitted password or key, whatever its type', async () => {
  const cases: [string, string, unknown][] = [
    ['POST', '/api/auth/login', { username: 'admin', password: [SECRET] }],
    ['POST', '/api/auth/login', { username: 'admin', password: SECRET }],
    ['POST', '/api/auth/login', { username: [SECRET], password: 'x' }],
    ['POST', '/api/auth/change-password', { current_password: SECRET, new_password: 1 }],
    ['POST', '/api/auth/change-password', { current_password: [SECRET], new_password: 'a-good-new-password' }],
    ['POST', '/api/users', { username: 'someone', password: { p: SECRET }, role: 'viewer' }],
    ['POST', '/api/users', { username: 'someone', password: SECRET, role: SECRET }],
    ['PATCH', '/api/providers/openai', { api_key: [SECRET] }],
    ['PATCH', '/api/providers/openai', { api_key: `${SECRET} with space` }],
    ['PATCH', '/api/providers/openai', { base_url: `http://u:${SECRET}@127.0.0.1/v1` }],
  ];
  for (const [method, path, body] of cases) {
    const r = await api(gw, method, path, { as: admin, body });
    const text = await r.text();
    expect({ path, status: r.status >= 400 && r.status < 500 }).toEqual({ path, status: true });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hunter2');
  }
});
