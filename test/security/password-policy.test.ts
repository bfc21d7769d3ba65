/** The password policy: 12+ characters, not a common password, not the username. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, login, useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => void ({ gw, admin } = s));

const weak: [string, string][] = [
  ['11 characters', 'elevenchars'],
  ['a common password', 'password1234'],
  ['a common password in other case', 'QWERTY123456'],
  ['one repeated character', 'zzzzzzzzzzzzzz'],
  ['the default', 'admin123'],
];

describe('password policy', () => {
  test('creating a user: weak passwords and the username itself are refused with 400 weak_password', async () => {
    for (const [label, password] of [...weak, ['the username', 'carol.smith1'], ['the username in upper case', 'CAROL.SMITH1']]) {
      const r = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'carol.smith1', password, role: 'viewer' } });
      expect({ label, status: r.status }).toEqual({ label, status: 400 });
      expect((await json(r)).error).toMatchObject({ param: 'password', code: 'weak_password' });
    }
    const ok = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'carol.smith1', password: 'a-fine-passphrase', role: 'viewer' } });
    expect(ok.status).toBe(201);
  });

  test('an admin resetting a password and a user changing their own get the same rules', async () => {
    const created = await json(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'dave.jones12', password: 'dave-first-passphrase', role: 'viewer' } }));
    for (const [label, password] of [...weak, ['the username', 'dave.jones12']]) {
      const r = await api(gw, 'PATCH', `/api/users/${created.id}`, { as: admin, body: { password } });
      expect({ label, status: r.status }).toEqual({ label, status: 400 });
      expect((await json(r)).error.code).toBe('weak_password');
    }
    const dave = await login(gw, 'dave.jones12', 'dave-first-passphrase');
    for (const [label, next] of [...weak, ['the username', 'Dave.Jones12']]) {
      const r = await api(gw, 'POST', '/api/auth/change-password', { as: dave, body: { current_password: 'dave-first-passphrase', new_password: next } });
      expect({ label, status: r.status }).toEqual({ label, status: 400 });
      expect((await json(r)).error).toMatchObject({ param: 'new_password', code: 'weak_password' });
    }
    const good = await api(gw, 'POST', '/api/auth/change-password', { as: dave, body: { current_password: 'dave-first-passphrase', new_password: 'dave-second-passphrase' } });
    expect(good.status).toBe(200);
  });
});
