import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createUser, deleteUser, getUser, listUsers, updateUser, USERNAME_PATTERN, USERNAME_RULE } from '../admin/users-service';
import { MIN_PASSWORD_LENGTH } from '../security/password-policy';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';
import { decimalIdParams } from './strict-schema';

const tags = ['Admin'];
const idParams = decimalIdParams;
const role = t.Union([t.Literal('admin'), t.Literal('viewer')]);

/** Dashboard users (admin only, reads included). */
export function adminUsersRoutes(ctx: AppContext) {
  const db = ctx.db;
  return new Elysia({ name: 'admin-users-routes' })
    .use(sessionGuard(ctx))
    .get('/api/users', async () => {
      return { data: await listUsers(db) };
    }, { role: 'admin', detail: { tags, security, responses: ADMIN_RESPONSES.listUsers, summary: 'List users (admin only)' } })
    .post('/api/users', async ({ body, set }) => {
      const u = await createUser(db, body.username, body.password, body.role, body.must_change_password ?? false);
      set.status = 201;
      return { id: u.id, username: u.username, role: u.role, must_change_password: u.must_change_password };
    }, {
      role: 'admin',
      body: t.Object({
        username: t.String({ minLength: 1, maxLength: 64, pattern: USERNAME_PATTERN, error: USERNAME_RULE }),
        password: t.String({ maxLength: 1024 }),
        role,
        must_change_password: t.Optional(t.Boolean()),
      }),
      detail: { tags, security, responses: ADMIN_RESPONSES.createUser, summary: 'Create a user', description: `Role \`admin\` or \`viewer\`. The password needs at least ${MIN_PASSWORD_LENGTH} characters and must not be a common one, \`admin123\` or the username (400 \`weak_password\`); a taken username is a 409 \`username_taken\`.` },
    })
    .get('/api/users/:id', ({ params }) => {
      return getUser(db, params.id);
    }, { role: 'admin', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.user, summary: 'One user (admin only)' } })
    .patch('/api/users/:id', async ({ params, body }) => {
      return updateUser(ctx, params.id, { role: body.role, password: body.password, mustChangePassword: body.must_change_password });
    }, {
      role: 'admin',
      params: idParams,
      body: t.Object({
        role: t.Optional(role),
        password: t.Optional(t.String({ maxLength: 1024 })),
        must_change_password: t.Optional(t.Boolean()),
      }),
      detail: {
        tags,
        security,
        responses: ADMIN_RESPONSES.patchUser, summary: 'Change a role or reset a password',
        description: 'A reset ends the user\'s sessions and (unless `must_change_password: false`) makes them choose a new password at next sign-in. The last admin cannot be demoted. All or nothing: a refused part (a weak password, the last admin) changes nothing; `must_change_password` without `password` is a 400.',
      },
    })
    .delete('/api/users/:id', async ({ params }) => {
      await deleteUser(ctx, params.id);
      return { id: params.id, deleted: true };
    }, { role: 'admin', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.deleteUser, summary: 'Delete a user (never the last admin)' } });
}
