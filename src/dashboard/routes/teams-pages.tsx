/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { decimalId } from '../../admin/decimal-id';
import { clientKeysOf, teamChoices } from '../../admin/name-lookups';
import { createTeam, deleteTeam, listTeams, updateTeam } from '../../admin/teams-service';
import type { AppContext } from '../../context';
import { ApiError } from '../../errors/api-error';
import { adminRoute, attempt, field, pageGuard, pageRoute, idOf } from '../dash-session';
import { isAdmin } from '../dash-types';
import { limitInputFromForm } from '../limit-form';
import { modelNamesWarning } from '../model-names-check';
import { formErrorsInto, fragment, pageResponse } from '../page-response';
import { pageQuery } from '../page-address';
import { MEMBERS_SHOWN, TEAM_CREATE_ERRORS, teamErrorSlot, TeamsSection, TeamsView, type TeamMembers, type TeamsPage } from '../pages/teams-view';
import { CHOICES_SHOWN, choicePrefix, choicesResponse, teamChoiceList } from '../components/choices';

/** Teams a page: each row costs a members and a spend lookup, so 5,000 teams are not read at once. */
const PAGE_SIZE = 100;

/** `q` and `after_id` of a page's address; a bad cursor is the first page. */
function pageOf(url: string | null | undefined): { q: string; afterId: number | null } {
  const p = pageQuery(url);
  return { q: (p.get('q') ?? '').trim().slice(0, 100), afterId: decimalId(p.get('after_id') ?? '') };
}

/** One page of teams with the names of the keys each row shows; a cursor team deleted since starts over. */
async function teamsPage(ctx: AppContext, at: { q: string; afterId: number | null }): Promise<{ page: TeamsPage; members: TeamMembers }> {
  let listed;
  try {
    listed = await listTeams(ctx, { limit: PAGE_SIZE + 1, cursor: at.afterId ?? undefined, prefix: at.q });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 400) throw err;
    at = { ...at, afterId: null };
    listed = await listTeams(ctx, { limit: PAGE_SIZE + 1, prefix: at.q });
  }
  const rows = listed.slice(0, PAGE_SIZE);
  const members = await clientKeysOf(ctx, rows.flatMap((t) => t.client_ids.slice(0, MEMBERS_SHOWN)));
  return { page: { rows, afterId: at.afterId, nextAfterId: listed.length > PAGE_SIZE ? rows.at(-1)!.id : null, q: at.q }, members };
}

/** The Teams page: list with spend against budget, a page at a time; admins create, edit and delete. */
export function teamsPages(ctx: AppContext) {
  // A change answers with the page it was made on (HTMX sends the page's address in hx-current-url).
  const section = async (request: Request, errors?: string[], warning?: string | null, created?: { id: number; name: string }) =>
    fragment(<TeamsSection {...await teamsPage(ctx, pageOf(request.headers.get('hx-current-url')))} admin errors={errors} warning={warning} created={created} />, errors);

  return new Elysia({ name: 'dashboard-teams-pages' })
    .use(pageGuard(ctx))
    .get('/teams', async ({ user, request }) => {
      return pageResponse(request, user, 'teams', 'Teams', <TeamsView {...await teamsPage(ctx, pageOf(request.url))} admin={isAdmin(user)} />);
    }, pageRoute())
    // The team pickers' suggestions (components/choices.tsx): a few names that start with `q`, as JSON.
    .get('/teams/choices', async ({ query }) => {
      return choicesResponse(teamChoiceList(await teamChoices(ctx, choicePrefix(query.q), CHOICES_SHOWN)));
    }, pageRoute())
    .post('/teams', async ({ body, request }) => {
      const r = await attempt(() => createTeam(ctx, { name: field(body, 'name'), ...limitInputFromForm(body, 'team') }));
      return r.ok ? section(request, undefined, await modelNamesWarning(ctx, r.value.models), r.value) : formErrorsInto(TEAM_CREATE_ERRORS, r);
    }, adminRoute())
    .post('/teams/:id', async ({ body, params, request }) => {
      const r = await attempt(() => updateTeam(ctx, idOf(params), { name: field(body, 'name'), ...limitInputFromForm(body, 'team') }));
      if (r.ok) return section(request, undefined, await modelNamesWarning(ctx, r.value.models));
      // Deleted since the page was shown: the list without it, and why, rather than a message in a row that is gone.
      return r.status === 404 ? section(request, r.errors) : formErrorsInto(teamErrorSlot(idOf(params)), r);
    }, adminRoute())
    .post('/teams/:id/delete', async ({ params, request }) => {
      const r = await attempt(() => deleteTeam(ctx, idOf(params)));
      return section(request, r.ok ? undefined : r.errors);
    }, adminRoute());
}
