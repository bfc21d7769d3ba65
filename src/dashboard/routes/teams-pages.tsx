/** @jsxImportSource @kitajs/html */
import { Elysia } from 'elysia';
import { clientNames } from '../../admin/clients-service';
import { createTeam, deleteTeam, listTeams, updateTeam } from '../../admin/teams-service';
import type { AppContext } from '../../context';
import { adminAction, attempt, field, pageUser } from '../dash-session';
import { isAdmin } from '../dash-types';
import { limitInputFromForm } from '../limit-form';
import { fragment, pageResponse } from '../page-response';
import { TeamsSection, TeamsView } from '../pages/teams-view';

const hidden = { detail: { hide: true } };
const idOf = (p: { id: string }) => (/^\d{1,15}$/.test(p.id) ? Number(p.id) : -1);

/** The Teams page: list with spend against budget; admins create, edit and delete. */
export function teamsPages(ctx: AppContext) {
  const section = (errors?: string[]) =>
    fragment(<TeamsSection teams={listTeams(ctx)} admin clientNames={clientNames(ctx)} errors={errors} />, errors);

  return new Elysia({ name: 'dashboard-teams-pages' })
    .get('/teams', ({ request }) => {
      const user = pageUser(ctx, request);
      if (user instanceof Response) return user;
      return pageResponse(request, user, 'teams', 'Teams', <TeamsView teams={listTeams(ctx)} admin={isAdmin(user)} clientNames={clientNames(ctx)} />);
    }, hidden)
    .post('/teams', async ({ request, body }) => {
      adminAction(ctx, request);
      const r = await attempt(() => createTeam(ctx, { name: field(body, 'name'), ...limitInputFromForm(body, 'team') }));
      return section(r.ok ? undefined : r.errors);
    }, hidden)
    .post('/teams/:id', async ({ request, body, params }) => {
      adminAction(ctx, request);
      const r = await attempt(() => updateTeam(ctx, idOf(params), { name: field(body, 'name'), ...limitInputFromForm(body, 'team') }));
      return section(r.ok ? undefined : r.errors);
    }, hidden)
    .post('/teams/:id/delete', async ({ request, params }) => {
      adminAction(ctx, request);
      const r = await attempt(() => deleteTeam(ctx, idOf(params)));
      return section(r.ok ? undefined : r.errors);
    }, hidden);
}
