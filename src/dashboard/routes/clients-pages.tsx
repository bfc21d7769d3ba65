/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { eq } from 'drizzle-orm';
import { createClient, listClients, renameClient, revokeClient, updateClient } from '../../admin/clients-service';
import { decimalId } from '../../admin/decimal-id';
import { clients } from '../../db/schema';
import { clientChoices, teamChoices, teamIdByName, teamNamesOf } from '../../admin/name-lookups';
import { CHOICES_SHOWN, choicePrefix, choicesResponse, clientChoiceList } from '../components/choices';
import { limitInputFromForm } from '../limit-form';
import { modelNamesWarning } from '../model-names-check';
import type { AppContext } from '../../context';
import { usageOfClients } from '../../logging/usage-queries';
import { adminRoute, attempt, field, hasField, pageRoute, pageGuard, idOf } from '../dash-session';
import { isAdmin } from '../dash-types';
import { formErrorsInto, fragment, pageResponse } from '../page-response';
import { pageQuery } from '../page-address';
import { CLIENT_CREATE_ERRORS, clientErrorSlot, ClientsSection, ClientsView, type ClientsPage, type ClientsTeams } from '../pages/clients-view';

const THIRTY_DAYS = 30 * 86_400_000;

/** Keys a page: each row costs a last-use and a spend lookup, so 10,000 keys are not read at once. */
const PAGE_SIZE = 100;

/** `before_id` of the page's address (`?before_id=`, as the Logs page pages); a bad one is the first page. */
const beforeIdOf = (url: string | null | undefined): number | null => decimalId(pageQuery(url).get('before_id') ?? '');

/** One page of clients joined with their last-30-days usage from the rollups. */
async function clientsPage(ctx: AppContext, beforeId: number | null): Promise<ClientsPage> {
  const listed = await listClients(ctx, { limit: PAGE_SIZE + 1, cursor: beforeId ?? undefined });
  const page = listed.slice(0, PAGE_SIZE);
  // This page's keys' own (the top 1,000 by cost left a key past them at 0 requests).
  const usage = await usageOfClients(ctx.store, page.map((c) => c.id), { from: Date.now() - THIRTY_DAYS });
  // The clock that refuses expired keys (limits/admit-request.ts), so the badge says what a request meets.
  const now = ctx.limits.now();
  const rows = page.map((c) => {
    const u = usage.get(c.id);
    return {
      id: c.id, name: c.name, keyPrefix: c.key_prefix, revoked: c.revoked, createdAt: c.created_at, lastUsedAt: c.last_used_at,
      expired: c.expires_at !== null && now >= Date.parse(c.expires_at),
      requests: u?.requests ?? 0, tokens: (u?.prompt_tokens ?? 0) + (u?.completion_tokens ?? 0), costUsd: u?.cost_usd ?? 0,
      limits: {
        models: c.models, budgetUsd: c.budget_usd, budgetPeriod: c.budget_period, rpm: c.rpm, tpm: c.tpm, spendUsd: c.spend_usd, resetsAt: c.budget_resets_at,
        maxParallel: c.max_parallel, expiresAt: c.expires_at, teamId: c.team_id,
      },
    };
  });
  return { rows, beforeId, nextBeforeId: listed.length > PAGE_SIZE ? page.at(-1)!.id : null };
}

/** Names of the page's keys' teams, and the first few teams for the page's one suggestion list (not every team). */
async function teamsOfPage(ctx: AppContext, page: ClientsPage): Promise<ClientsTeams> {
  return { names: await teamNamesOf(ctx, page.rows.map((r) => r.limits?.teamId)), choices: await teamChoices(ctx, '', CHOICES_SHOWN) };
}

/**
 * A key's limits from its form. The form names the team (`team`, what the picker holds); a post
 * that sends `team_id` instead (a script, an older page) is read as before.
 */
async function keyLimitsFromForm(ctx: AppContext, id: number, body: unknown) {
  const input = limitInputFromForm(body, 'client');
  const hasTeam = hasField(body, 'team');
  if (!hasTeam) return input;
  const [current] = await ctx.db.select({ teamId: clients.teamId }).from(clients).where(eq(clients.id, id));
  return { ...input, team_id: await teamIdByName(ctx, field(body, 'team'), 'team', current?.teamId) };
}


export function clientsPages(ctx: AppContext) {
  // A change answers with the page it was made on (HTMX sends the page's address in hx-current-url).
  const section = async (request: Request, extra: { created?: { name: string; key: string }; errors?: string[]; warning?: string | null } = {}) => {
    const page = await clientsPage(ctx, beforeIdOf(request.headers.get('hx-current-url')));
    return fragment(<ClientsSection page={page} teams={await teamsOfPage(ctx, page)} admin {...extra} />, extra.errors);
  };

  return new Elysia({ name: 'dashboard-clients-pages' })
    .use(pageGuard(ctx))
    .get('/clients', async ({ user, request }) => {
      const page = await clientsPage(ctx, beforeIdOf(request.url));
      return pageResponse(request, user, 'clients', 'Clients', <ClientsView page={page} teams={await teamsOfPage(ctx, page)} admin={isAdmin(user)} />);
    }, pageRoute())
    // The Logs page's client filter's suggestions (components/choices.tsx): keys whose name starts with `q`, as JSON.
    .get('/clients/choices', async ({ query }) => {
      return choicesResponse(clientChoiceList(await clientChoices(ctx, choicePrefix(query.q), CHOICES_SHOWN)));
    }, pageRoute())
    .post('/clients', async ({ body, request }) => {
      const r = await attempt(() => createClient(ctx, field(body, 'name')));
      return r.ok ? section(request, { created: { name: r.value.name, key: r.value.key } }) : formErrorsInto(CLIENT_CREATE_ERRORS, r);
    }, adminRoute())
    .post('/clients/:id/rename', async ({ body, params, request }) => {
      const r = await attempt(() => renameClient(ctx, idOf(params), field(body, 'name')));
      return r.ok ? section(request) : formErrorsInto(clientErrorSlot(idOf(params), 'rename'), r);
    }, adminRoute())
    .post('/clients/:id/limits', async ({ body, params, request }) => {
      const r = await attempt(async () => updateClient(ctx, idOf(params), await keyLimitsFromForm(ctx, idOf(params), body)));
      return r.ok ? section(request, { warning: await modelNamesWarning(ctx, r.value.models) }) : formErrorsInto(clientErrorSlot(idOf(params), 'limits'), r);
    }, adminRoute())
    .post('/clients/:id/revoke', async ({ params, request }) => {
      const r = await attempt(() => revokeClient(ctx, idOf(params)));
      return section(request, r.ok ? {} : { errors: r.errors });
    }, adminRoute());
}
