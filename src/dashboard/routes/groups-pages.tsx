/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { createGroup, deleteGroup, getGroup, listGroups, updateGroup } from '../../admin/groups-service';
import { tryRouting } from '../../admin/try-routing';
import type { AppContext } from '../../context';
import { adminRoute, attempt, field, pageRoute, pageGuard, pathParam } from '../dash-session';
import { isAdmin } from '../dash-types';
import { BLANK_GROUP, cardOf, groupInputOf, readGroupForm } from '../group-form';
import { fragment, pageResponse } from '../page-response';
import { GroupCardView, GroupCreated, GroupDeletedNote, GroupsView, NewGroupBox, RouteTryResult } from '../pages/groups-view';
import { htmlResponse } from '../respond';

/** Why a delete was refused, in the admin's terms: which groups still route to this one. */
function deleteRefusal(ctx: AppContext, name: string, problems: string[]): string[] {
  const users = [...ctx.state.getSnapshot().groups.values()].filter((g) => g.name !== name && g.targets.includes(name)).map((g) => g.name);
  if (!users.length) return problems;
  return [`${name} is still a target of ${users.join(', ')}. Remove it from ${users.length > 1 ? 'their' : 'that group\'s'} targets first.`];
}

export function groupsPages(ctx: AppContext) {
  return new Elysia({ name: 'dashboard-groups-pages' })
    .use(pageGuard(ctx))
    .get('/groups', async ({ user, request }) => {
      return pageResponse(request, user, 'groups', 'Model groups',
        <GroupsView groups={(await listGroups(ctx)).map(cardOf)} admin={isAdmin(user)} blank={BLANK_GROUP} />);
    }, pageRoute())
    // A GET: a dry run changes nothing, so viewers may use it too.
    .get('/groups/try', ({ user, request, query }) => {
      const model = (query.model ?? '').trim();
      const prompt = (query.prompt ?? '').slice(0, 20_000);
      if (!model) return htmlResponse(<RouteTryResult r={{ ok: false, error: 'Name a model or group.' }} />);
      try {
        const d = tryRouting(ctx, model, prompt);
        return htmlResponse(<RouteTryResult r={{
          ok: true, path: d.path.join(' > '), reason: d.reason,
          targets: d.targets.map((t) => `${t.provider}/${t.upstream_model}`),
        }} />);
      } catch (err) {
        return htmlResponse(<RouteTryResult r={{ ok: false, error: (err as Error).message }} />);
      }
    }, pageRoute())
    .post('/groups', async ({ body }) => {
      const v = readGroupForm((n) => field(body, n));
      const r = await attempt(() => createGroup(ctx, v.name, groupInputOf(v)));
      if (!r.ok) return fragment(<NewGroupBox v={v} errors={r.errors} param={r.param} />, r.errors);
      return fragment(<GroupCreated name={r.value.name} groups={(await listGroups(ctx)).map(cardOf)} blank={BLANK_GROUP} />);
    }, adminRoute())
    .post('/groups/:name', async ({ body, params }) => {
      const name = pathParam(params.name);
      const v = { ...readGroupForm((n) => field(body, n)), name };
      const r = await attempt(async () => updateGroup(ctx, name, groupInputOf(v, (await getGroup(ctx, name)).settings)));
      if (r.ok) return fragment(<GroupCardView g={cardOf(r.value)} admin saved />);
      const current = await attempt(() => getGroup(ctx, name));
      if (!current.ok) return fragment(<p class="form-error" safe>{current.errors.join(' ')}</p>, current.errors);
      // Keep what the admin typed so they can fix it, with the message under the field it names
      // (else the problems listed above the form).
      return fragment(<GroupCardView g={{ ...cardOf(current.value), form: v }} admin errors={r.errors} param={r.param} />, r.errors);
    }, adminRoute())
    // Refused (inline, on the card) while another group still targets this one.
    .post('/groups/:name/delete', async ({ params }) => {
      const name = pathParam(params.name);
      const r = await attempt(() => deleteGroup(ctx, name));
      if (r.ok) return fragment(<GroupDeletedNote name={name} />);
      const current = await attempt(() => getGroup(ctx, name));
      if (!current.ok) return fragment(<p class="form-error" safe>{current.errors.join(' ')}</p>, current.errors);
      const errors = deleteRefusal(ctx, name, r.errors);
      return fragment(<GroupCardView g={cardOf(current.value)} admin deleteErrors={errors} />, errors);
    }, adminRoute());
}
