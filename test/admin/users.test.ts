import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, login, useAdminGateway, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

describe('users', () => {
  test('create returns {id, username, role}; the password is stored as an argon2id hash', async () => {
    const r = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'ann', password: 'ann-password-1', role: 'viewer' } });
    expect(r.status).toBe(201);
    const u = await json(r);
    expect(u).toMatchObject({ username: 'ann', role: 'viewer' });
    expect(typeof u.id).toBe('number');
    const row = gw.ctx.db.select().from(users).where(eq(users.id, u.id)).get()!;
    expect(row.passwordHash).toStartWith('$argon2id$');
    expect(await Bun.password.verify('ann-password-1', row.passwordHash)).toBe(true);
    const list = await (await api(gw, 'GET', '/api/users', { as: admin })).text();
    expect(list).toContain('"ann"');
    expect(list).not.toContain('argon2');
  });

  test('validation: duplicate, weak password, bad role, bad username', async () => {
    const dup = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'admin', password: 'whatever-123', role: 'viewer' } });
    expect(dup.status).toBe(409);
    const cases: [Record<string, unknown>, string][] = [
      [{ username: 'bob', password: 'short', role: 'viewer' }, 'password'],
      [{ username: 'bob', password: 'admin123', role: 'viewer' }, 'password'],
      [{ username: 'bob', password: 'long-enough-1', role: 'root' }, 'role'],
      [{ username: 'bad name!', password: 'long-enough-1', role: 'viewer' }, 'username'],
      [{ username: 'bob', role: 'viewer' }, 'password'],
    ];
    for (const [body, param] of cases) {
      const r = await api(gw, 'POST', '/api/users', { as: admin, body });
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      expect((await json(r)).error.param).toBe(param);
    }
  });

  test('the last admin can be neither demoted nor deleted', async () => {
    const me = (await json(await api(gw, 'GET', '/api/auth/me', { as: admin }))).user;
    const demote = await api(gw, 'PATCH', `/api/users/${me.id}`, { as: admin, body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect((await json(demote)).error.code).toBe('last_admin');
    expect((await api(gw, 'DELETE', `/api/users/${me.id}`, { as: admin })).status).toBe(409);

    // With a second admin, the first may go.
    const second = await json(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'second', password: 'second-pass-1', role: 'admin' } }));
    const s2 = await login(gw, 'second', 'second-pass-1');
    expect((await api(gw, 'PATCH', `/api/users/${me.id}`, { as: s2, body: { role: 'viewer' } })).status).toBe(200);
    // now `second` is the last admin
    expect((await api(gw, 'DELETE', `/api/users/${second.id}`, { as: s2 })).status).toBe(409);
    expect((await api(gw, 'PATCH', `/api/users/${me.id}`, { as: s2, body: { role: 'admin' } })).status).toBe(200);
    expect((await api(gw, 'DELETE', `/api/users/${second.id}`, { as: admin })).status).toBe(200);
    expect((await api(gw, 'GET', `/api/users/${second.id}`, { as: admin })).status).toBe(404);
  });
});
