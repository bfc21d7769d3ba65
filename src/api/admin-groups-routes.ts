import { Elysia, t } from 'elysia';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { createGroup, deleteGroup, getGroup, GROUP_NAME_MAX_CHARS, GROUP_NAME_PATTERN, listGroups, PRIMARY_USE_MAX_CHARS, updateGroup } from '../admin/groups-service';
import { tryRouting } from '../admin/try-routing';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';
import { jsonInteger } from './strict-schema';
import { badRequest } from '../errors/api-error';

const tags = ['Admin'];
const groupName = t.String({ minLength: 1, maxLength: GROUP_NAME_MAX_CHARS, pattern: GROUP_NAME_PATTERN });
const groupFields = {
  strategy: t.Union([t.Literal('heuristic'), t.Literal('classifier')]),
  targets: t.Array(t.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50 }),
  logic_level: t.Optional(t.Nullable(jsonInteger({ minimum: 1, maximum: 10 }))),
  // null clears, as left out: no primary use; `settings` null, as `{}`, the defaults. (Elysia turns a
  // string into an object under a record, nullable or not: admin-json-body.ts refuses anything but
  // an object, or null here, before its check.)
  primary_use: t.Optional(t.Nullable(t.String({ maxLength: PRIMARY_USE_MAX_CHARS, error: `must be text of at most ${PRIMARY_USE_MAX_CHARS} characters, or null for none.` }))),
  settings: t.Optional(t.Nullable(t.Record(t.String(), t.Unknown()))),
};

/** Model groups (validated across the whole set: unknown targets, cycles, depth) and a routing dry run. */
export function adminGroupsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-groups-routes' })
    .use(sessionGuard(ctx))
    .get('/api/groups', async () => {
      return { data: await listGroups(ctx) };
    }, { role: 'viewer', detail: { tags, security, responses: ADMIN_RESPONSES.listGroups, summary: 'List model groups' } })
    .post('/api/groups/try', ({ body }) => {
      // A dry run changes nothing, but it is a POST like every other action: admin only.
      return tryRouting(ctx, body.model, body.prompt);
    }, {
      role: 'admin',
      body: t.Object({ model: t.String({ minLength: 1, maxLength: 200 }), prompt: t.String({ maxLength: 100_000 }) }),
      detail: { tags, security, responses: ADMIN_RESPONSES.tryGroup, summary: 'Show the routing decision for a sample prompt (classifier groups use their heuristic here)' },
    })
    .post('/api/groups', ({ body, set }) => {
      const { name, ...rest } = body;
      set.status = 201;
      return createGroup(ctx, name, rest);
    }, { role: 'admin', body: t.Object({ name: groupName, ...groupFields }), detail: { tags, security, responses: ADMIN_RESPONSES.createGroup, summary: 'Create a model group' } })
    .get('/api/groups/:name', ({ params }) => {
      return getGroup(ctx, params.name);
    }, { role: 'viewer', detail: { tags, security, responses: ADMIN_RESPONSES.group, summary: 'One model group' } })
    .put('/api/groups/:name', ({ params, body }) => {
      // The body POST took (its `name` included) replaces the group; a group is not renamed here.
      const { name, ...rest } = body;
      if (name !== undefined && name !== params.name) {
        throw badRequest(`'name' is '${name}' but the path names group '${params.name}'; a group cannot be renamed (create the new one, then delete the old).`, 'name');
      }
      return updateGroup(ctx, params.name, rest);
    }, {
      role: 'admin',
      body: t.Object({ name: t.Optional(groupName), ...groupFields }),
      detail: { tags, security, responses: ADMIN_RESPONSES.putGroup, summary: 'Replace a model group (`name` may be sent; it must be the one in the path)' },
    })
    .delete('/api/groups/:name', async ({ params }) => {
      await deleteGroup(ctx, params.name);
      return { name: params.name, deleted: true };
    }, { role: 'admin', detail: { tags, security, responses: ADMIN_RESPONSES.deleteGroup, summary: 'Delete a model group (refused while another group targets it)' } });
}
