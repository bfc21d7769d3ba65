/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { createUser, deleteUser, getUser, listUsers, resetPassword, setRole, type UserView } from '../../admin/users-service';
import type { AppContext } from '../../context';
import { adminRoute, attempt, field, pageRoute, pageGuard, rawField, idOf } from '../dash-session';
import { badRequest } from '../../errors/api-error';
import { formErrorsInto, fragment, pageResponse } from '../page-response';
import { redirect } from '../respond';
import { ForbiddenPage } from '../pages/auth-views';
import { USER_CREATE_ERRORS, UserGoneRow, UserRowView, UsersSection, UsersView, userErrorSlot, type UserRow } from '../pages/users-view';

const row = (u: UserView): UserRow => ({ id: u.id, username: u.username, role: u.role, mustChangePassword: u.must_change_password, createdAt: u.created_at });
/** The role chosen, as /api/users reads it: anything but admin or viewer is refused, not made a viewer. */
function roleOf(body: unknown): 'admin' | 'viewer' {
  const role = field(body, 'role');
  if (role !== 'admin' && role !== 'viewer') throw badRequest("'role' must be admin or viewer.", 'role');
  return role;
}

/** Users: admins only, to read as well as to change (viewers get a 403 page). */
export function usersPages(ctx: AppContext) {
  const section = async (selfId: number, extra: { errors?: string[]; notice?: string } = {}) =>
    fragment(<UsersSection users={(await listUsers(ctx.db)).map(row)} selfId={selfId} {...extra} />, extra.errors);

  return new Elysia({ name: 'dashboard-users-pages' })
    .use(pageGuard(ctx))
    .get('/users', async ({ user, request }) => {
      if (user.role !== 'admin') return pageResponse(request, user, 'users', 'Users', <ForbiddenPage />, 403);
      return pageResponse(request, user, 'users', 'Users', <UsersView users={(await listUsers(ctx.db)).map(row)} selfId={user.id} />);
    }, pageRoute())
    .post('/users', async ({ user: me, body }) => {
      // Created by an admin who chose the password: the user picks their own at first sign-in.
      const r = await attempt(() => createUser(ctx.db, field(body, 'username'), rawField(body, 'password'), roleOf(body), true));
      return r.ok ? section(me.id, { notice: `Created ${r.value.username} (${r.value.role}).` }) : formErrorsInto(USER_CREATE_ERRORS, r);
    }, adminRoute())
    .post('/users/:id/role', async ({ user: me, body, params, request }) => {
      const id = idOf(params);
      const r = await attempt(() => setRole(ctx, id, roleOf(body)));
      // An admin who made themselves a viewer may no longer see this page: load the dashboard as a viewer.
      if (r.ok && r.value.id === me.id && r.value.role !== 'admin') return redirect(request, '/');
      // This row alone comes back (the whole section closed a password reset open in another row).
      if (r.ok) return fragment(<UserRowView u={row(r.value)} selfId={me.id} notice={`${r.value.username} is now ${r.value.role}.`} />);
      // Refused (the last admin, a role that is none): the row as it is, with why.
      const current = await attempt(() => getUser(ctx.db, id));
      if (!current.ok) return fragment(<UserGoneRow id={id} errors={current.errors} />, current.errors);
      return fragment(<UserRowView u={row(current.value)} selfId={me.id} errors={r.errors} />, r.errors);
    }, adminRoute())
    .post('/users/:id/password', async ({ user: me, body, params }) => {
      const r = await attempt(() => resetPassword(ctx, idOf(params), rawField(body, 'password')));
      // Refused: the message in that user's row, beside the field (the whole section put it under "Add a user").
      if (!r.ok) return formErrorsInto(userErrorSlot(idOf(params)), r);
      return section(me.id, { notice: `Password reset for ${r.value.username}; they choose a new one at next sign-in.` });
    }, adminRoute())
    .delete('/users/:id', async ({ user: me, params }) => {
      const r = await attempt(() => deleteUser(ctx, idOf(params)));
      return section(me.id, r.ok ? { notice: 'User deleted.' } : { errors: r.errors });
    }, adminRoute());
}
