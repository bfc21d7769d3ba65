/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { clientNames } from '../../admin/clients-service';
import { createTeam, deleteTeam, listTeams, updateTeam } from '../../admin/teams-service';
import type { AppContext } from '../../context';
import { adminRoute, attempt, field, pageGuard, pageRoute, idOf } from '../dash-session';
import { isAdmin } from '../dash-types';
import { limitInputFromForm } from '../limit-form';
import { modelNamesWarning } from '../model-names-check';
import { formErrorsInto, fragment, pageResponse } from '../page-response';
import { TEAM_CREATE_ERRORS, teamErrorSlot, TeamsSection, TeamsView } from '../pages/teams-view';


/** The Teams page: list with spend against budget; admins create, edit and delete. */
export function teamsPages(ctx: AppContext) {
  const section = async (errors?: string[], warning?: string | null) =>
    fragment(<TeamsSection teams={await listTeams(ctx)} admin clientNames={await clientNames(ctx)} errors={errors} warning={warning} />, errors);

  return new Elysia({ name: 'dashboard-teams-pages' })
    .use(pageGuard(ctx))
    .get('/teams', async ({ user, request }) => {
      return pageResponse(request, user, 'teams', 'Teams', <TeamsView teams={await listTeams(ctx)} admin={isAdmin(user)} clientNames={await clientNames(ctx)} />);
    }, pageRoute())
    .post('/teams', async ({ body }) => {
      const r = await attempt(() => createTeam(ctx, { name: field(body, 'name'), ...limitInputFromForm(body, 'team') }));
      return r.ok ? section(undefined, await modelNamesWarning(ctx, r.value.models)) : formErrorsInto(TEAM_CREATE_ERRORS, r);
    }, adminRoute())
    .post('/teams/:id', async ({ body, params }) => {
      const r = await attempt(() => updateTeam(ctx, idOf(params), { name: field(body, 'name'), ...limitInputFromForm(body, 'team') }));
      if (r.ok) return section(undefined, await modelNamesWarning(ctx, r.value.models));
      // Deleted since the page was shown: the list without it, and why, rather than a message in a row that is gone.
      return r.status === 404 ? section(r.errors) : formErrorsInto(teamErrorSlot(idOf(params)), r);
    }, adminRoute())
    .post('/teams/:id/delete', async ({ params }) => {
      const r = await attempt(() => deleteTeam(ctx, idOf(params)));
      return section(r.ok ? undefined : r.errors);
    }, adminRoute());
}
