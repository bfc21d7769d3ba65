import { Elysia, t } from 'elysia';
import { createTeam, deleteTeam, getTeam, listTeams, updateTeam } from '../admin/teams-service';
import { sessionGuard } from '../auth/session-guard';
import type { AppContext } from '../context';
import { sharedLimitFields } from './limit-fields-schema';
import { listPageQuery, parseListPage } from './list-page-query';
import type { RawQuery } from '../logging/usage-query-params';
import { ADMIN_RESPONSES, ADMIN_SECURITY as security } from './openapi-admin-docs';
import { decimalIdParams } from './strict-schema';

const tags = ['Admin'];
const idParams = decimalIdParams;
const name = t.String({ minLength: 1, maxLength: 100 });

/** Teams of client keys: their limits apply on top of each key's own. Viewers read, admins change. */
export function adminTeamsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-teams-routes' })
    .use(sessionGuard(ctx))
    .get('/api/teams', async ({ query }) => {
      return { data: await listTeams(ctx, parseListPage(query as RawQuery, 'after_id')) };
    }, {
      role: 'viewer',
      query: listPageQuery('after_id', 'team'),
      detail: { tags, security, responses: ADMIN_RESPONSES.listTeams, summary: 'List teams by name, with their spend in the current budget period; pages with `limit` and `after_id`' },
    })
    .post('/api/teams', ({ body, set }) => {
      set.status = 201;
      return createTeam(ctx, body);
    }, {
      role: 'admin',
      body: t.Object({ name, ...sharedLimitFields }),
      detail: { tags, security, responses: ADMIN_RESPONSES.createTeam, summary: 'Create a team', description: '`{name, models?, budget_usd?, budget_period?, rpm?, tpm?}` -> 201 with the team. Put keys in it with `team_id` on `/api/clients`.' },
    })
    .get('/api/teams/:id', ({ params }) => {
      return getTeam(ctx, params.id);
    }, { role: 'viewer', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.team, summary: 'One team, with `spend_usd` and its `client_ids`' } })
    .patch('/api/teams/:id', ({ params, body }) => {
      return updateTeam(ctx, params.id, body);
    }, { role: 'admin', params: idParams, body: t.Object({ name: t.Optional(name), ...sharedLimitFields }), detail: { tags, security, responses: ADMIN_RESPONSES.patchTeam, summary: 'Change a team (only the fields sent change; in force at once)' } })
    .delete('/api/teams/:id', ({ params }) => {
      return deleteTeam(ctx, params.id);
    }, { role: 'admin', params: idParams, detail: { tags, security, responses: ADMIN_RESPONSES.deleteTeam, summary: 'Delete a team (its keys stay, without a team)' } });
}
