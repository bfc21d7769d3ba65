import { Elysia, t } from 'elysia';
import { createTeam, deleteTeam, getTeam, listTeams, updateTeam } from '../admin/teams-service';
import { requireAuth } from '../auth/session-guard';
import type { AppContext } from '../context';
import { sharedLimitFields } from './limit-fields-schema';

const tags = ['Admin'];
const security = [{ session: [] }];
const idParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
const name = t.String({ minLength: 1, maxLength: 100 });

/** Teams of client keys: their limits apply on top of each key's own. Viewers read, admins change. */
export function adminTeamsRoutes(ctx: AppContext) {
  return new Elysia({ name: 'admin-teams-routes' })
    .get('/api/teams', ({ request }) => {
      requireAuth(ctx, request, 'viewer');
      return { data: listTeams(ctx) };
    }, { detail: { tags, security, summary: 'List teams, with their spend in the current budget period' } })
    .post('/api/teams', ({ body, request, set }) => {
      requireAuth(ctx, request, 'admin');
      set.status = 201;
      return createTeam(ctx, body);
    }, {
      body: t.Object({ name, ...sharedLimitFields }),
      detail: { tags, security, summary: 'Create a team', description: '`{name, models?, budget_usd?, budget_period?, rpm?, tpm?}` -> 201 with the team. Put keys in it with `team_id` on `/api/clients`.' },
    })
    .get('/api/teams/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'viewer');
      return getTeam(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'One team, with `spend_usd` and its `client_ids`' } })
    .patch('/api/teams/:id', ({ params, body, request }) => {
      requireAuth(ctx, request, 'admin');
      return updateTeam(ctx, params.id, body);
    }, { params: idParams, body: t.Object({ name: t.Optional(name), ...sharedLimitFields }), detail: { tags, security, summary: 'Change a team (only the fields sent change; in force at once)' } })
    .delete('/api/teams/:id', ({ params, request }) => {
      requireAuth(ctx, request, 'admin');
      return deleteTeam(ctx, params.id);
    }, { params: idParams, detail: { tags, security, summary: 'Delete a team (its keys stay, without a team)' } });
}
