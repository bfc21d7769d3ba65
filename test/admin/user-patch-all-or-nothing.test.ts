/**
 * PATCH /api/users/{id} changes a role and resets a password in one call: a refusal of either
 * part leaves the user as it was (a 400 must not have promoted a viewer to admin already), and a
 * field the call cannot act on is refused rather than answered 200 and ignored.
 */
import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, login, useAdminGateway, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s));

const rowOf = (id: number) => gw.ctx.db.select().from(users).where(eq(users.id, id)).get()!;

describe('PATCH /api/users/{id} is all or nothing', () => {
  test('the last admin refused a demotion keeps its password too', async () => {
    const me = (await json(await api(gw, 'GET', '/api/auth/me', { as: admin }))).user;
    const before = rowOf(me.id);
    const r = await api(gw, 'PATCH', `/api/users/${me.id}`, { as: admin, body: { role: 'viewer', password: 'a-fresh-password-9' } });
    expect(r.status).toBe(409);
    expect((await json(r)).error.code).toBe('last_admin');
    expect(rowOf(me.id)).toEqual(before);
    expect((await api(gw, 'GET', '/api/auth/me', { as: admin })).status).toBe(200);
  });

  test('a weak password refuses the whole call: the viewer is not made admin, its sessions live on', async () => {
    const v = await json(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'vic', password: 'vic-password-1', role: 'viewer' } }));
    const vs = await login(gw, 'vic', 'vic-password-1');
    const before = rowOf(v.id);
    const r = await api(gw, 'PATCH', `/api/users/${v.id}`, { as: admin, body: { role: 'admin', password: 'short' } });
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatchObject({ param: 'password', code: 'weak_password' });
    expect(rowOf(v.id)).toEqual(before);
    expect((await json(await api(gw, 'GET', `/api/users/${v.id}`, { as: admin }))).role).toBe('viewer');
    // Still a viewer to the server: a mutation is refused, the session still reads.
    expect((await api(gw, 'POST', '/api/teams', { as: vs, body: { name: 'vic-team' } })).status).toBe(403);
    expect((await api(gw, 'GET', '/api/auth/me', { as: vs })).status).toBe(200);
  });

  test('must_change_password without a password is refused, not ignored', async () => {
    const w = await json(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'wes', password: 'wes-password-1', role: 'viewer' } }));
    const r = await api(gw, 'PATCH', `/api/users/${w.id}`, { as: admin, body: { must_change_password: true } });
    expect(r.status).toBe(400);
    expect((await json(r)).error.param).toBe('must_change_password');
    expect(rowOf(w.id).mustChangePassword).toBe(false);
  });

  test('both parts together still apply', async () => {
    const x = await json(await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'xia', password: 'xia-password-1', role: 'viewer' } }));
    const r = await api(gw, 'PATCH', `/api/users/${x.id}`, { as: admin, body: { role: 'admin', password: 'xia-new-password-2', must_change_password: false } });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ role: 'admin', must_change_password: false });
    expect((await login(gw, 'xia', 'xia-new-password-2')).token).toBeTruthy();
  });
});
